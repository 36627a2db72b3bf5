//! One module per subcommand.

pub(crate) mod compile;
pub(crate) mod show;
