//! File formats of hashpin: pip requirements files in, hash-pinned lockfiles out.
//!
//! Requirements files follow pip's format ("Requirements File Format" in pip's user guide):
//! one requirement or option a line, `\` continuations, `#` comments, `${VAR}` environment
//! variables, `-r`/`-c` includes relative to the including file, and index options. Every
//! entry keeps the file and line it came from, so every error can name them.
//!
//! Lines hashpin cannot lock (editable installs, VCS and direct URL references, local paths)
//! are errors with file and line, never skipped.
//!
//! ```
//! use hashpin_formats::{Input, RequirementsSet};
//!
//! let set = RequirementsSet::read(
//!     &[Input::Text { name: "requirements.in".into(), text: "requests>=2  # HTTP\n--pre\n".into() }],
//!     |_| None,
//! )
//! .unwrap();
//! assert_eq!(set.requirements[0].requirement.name.to_string(), "requests");
//! assert!(set.pre);
//! ```
#![warn(missing_docs)]

#[doc(hidden)]
pub mod fuzz;
mod lines;
pub mod lock;
mod pyproject;
mod requirements;

pub use lock::{
    CREATED_BY, HashScope, Header, IndexOption, Lock, LockFormat, LockTarget, LockedFile, Package,
    Selectable, Selected, Selection, Source, Yank, pylock, requirements_txt,
};
pub use pyproject::{PyProject, PyProjectSelection};
pub use requirements::{
    BinaryFlag, Entry, FormatError, Input, LocalProject, Location, MAX_FILE_BYTES, RequirementsSet,
    Unlockable, UnlockableKind, read_bounded,
};
