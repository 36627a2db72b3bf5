//! PubGrub's derivation tree, told as sentences a Python developer reads: requirements are
//! written as specifiers (`urllib3>=1.21.1,<3`), the root is "you", and versions that could
//! not be used say why (yanked, Python version, no compatible file).

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::Arc;

use hashpin_pypi::{PackageName, Version};
use pubgrub::{DerivationTree, Derived, External, Map, Ranges, ReportFormatter, Term};

use crate::candidates::Unusable;
use crate::package::Package;
use crate::specifiers::after_locals;

type Tree = DerivationTree<Package, Ranges<Version>, Unusable>;

/// Formats the explanation of a failed resolution.
pub(crate) struct Explainer {
    /// Why versions of a project were passed over.
    pub(crate) skipped: HashMap<PackageName, Vec<(Version, Unusable)>>,
    /// Projects no index has.
    pub(crate) missing: Vec<PackageName>,
    /// Every version each project has (newest first), to say what exists.
    pub(crate) available: HashMap<PackageName, Vec<Version>>,
}

impl Explainer {
    pub(crate) fn explain(
        &self,
        tree: &DerivationTree<Package, Ranges<Version>, Unusable>,
    ) -> String {
        use pubgrub::Reporter as _;
        let tree = self.without_local_gaps(tree.clone());
        pubgrub::DefaultStringReporter::report_with_formatter(&tree, self)
    }

    /// Removes the "no `foo` version between 1.0 and its next release" steps that come from
    /// `==1.0` also matching local versions (`1.0+cpu`) when none exist: true, but noise.
    fn without_local_gaps(&self, tree: Tree) -> Tree {
        let DerivationTree::Derived(mut derived) = tree else {
            return tree;
        };
        let cause1 = self.without_local_gaps(Arc::unwrap_or_clone(derived.cause1));
        let cause2 = self.without_local_gaps(Arc::unwrap_or_clone(derived.cause2));
        let (gap, other) = match (&cause1, &cause2) {
            (DerivationTree::External(External::NoVersions(package, range)), _)
                if self.is_local_gap(package, range) =>
            {
                ((package.clone(), range.clone()), cause2)
            }
            (_, DerivationTree::External(External::NoVersions(package, range)))
                if self.is_local_gap(package, range) =>
            {
                ((package.clone(), range.clone()), cause1)
            }
            _ => {
                derived.cause1 = Arc::new(cause1);
                derived.cause2 = Arc::new(cause2);
                return DerivationTree::Derived(derived);
            }
        };
        let (package, gap) = gap;
        match other {
            DerivationTree::External(External::FromDependencyOf(p1, r1, p2, r2)) => {
                let (r1, r2) = if p1 == package {
                    (r1.union(&gap), r2)
                } else {
                    (r1, r2.union(&gap))
                };
                DerivationTree::External(External::FromDependencyOf(p1, r1, p2, r2))
            }
            other @ DerivationTree::Derived(_) => other,
            other => {
                // Cannot merge into other kinds of facts: keep the step.
                let (cause1, cause2) = (
                    DerivationTree::External(External::NoVersions(package, gap)),
                    other,
                );
                derived.cause1 = Arc::new(cause1);
                derived.cause2 = Arc::new(cause2);
                DerivationTree::Derived(derived)
            }
        }
    }

    fn is_local_gap(&self, package: &Package, range: &Ranges<Version>) -> bool {
        let Some(name) = package.name() else {
            return false;
        };
        let mut segments = range.iter();
        let (Some((Bound::Excluded(low), Bound::Excluded(high))), None) =
            (segments.next(), segments.next())
        else {
            return false;
        };
        *high == after_locals(low)
            && !self
                .skipped
                .get(name)
                .is_some_and(|skipped| skipped.iter().any(|(version, _)| range.contains(version)))
    }

    fn no_versions(&self, package: &Package, range: &Ranges<Version>) -> String {
        let Some(name) = package.name() else {
            return "your requirements cannot be met".into();
        };
        if self.missing.contains(name) {
            return format!("`{name}` was not found in the package index");
        }
        let reasons: Vec<String> = self
            .skipped
            .get(name)
            .into_iter()
            .flatten()
            .filter(|(version, _)| range.contains(version))
            .map(|(version, why)| format!("{name} {version} {why}"))
            .collect();
        let wanted = requirement(package, range);
        if reasons.is_empty() {
            let newest = self
                .available
                .get(name)
                .and_then(|versions| versions.first())
                .map(|version| format!(" (the newest is {version})"))
                .unwrap_or_default();
            return format!("no version of {wanted} exists{newest}");
        }
        let shown = reasons.len().min(3);
        let more = match reasons.len() - shown {
            0 => String::new(),
            more => format!(", and {more} more"),
        };
        format!(
            "no usable version of {wanted} exists ({}{more})",
            reasons[..shown].join("; ")
        )
    }
}

/// `` `foo>=1,<2` ``, `` `foo==1.0` ``, `` `foo` `` (any version), or "you" for the root.
fn requirement(package: &Package, range: &Ranges<Version>) -> String {
    if *package == Package::Root {
        return "your requirements".into();
    }
    let segments: Vec<(Bound<&Version>, Bound<&Version>)> = range
        .iter()
        .map(|(low, high)| (low.as_ref(), high.as_ref()))
        .collect();
    let text = match segments.as_slice() {
        [] => return format!("no version of `{package}`"),
        [(Bound::Unbounded, Bound::Unbounded)] => String::new(),
        // The complement of one version (with its local variants): `!=`.
        [
            (Bound::Unbounded, Bound::Excluded(a)),
            (Bound::Included(b) | Bound::Excluded(b), Bound::Unbounded),
        ] if *b == &after_locals(a) || a == b => {
            format!("!={a}")
        }
        [segment] => segment_text(*segment),
        many => many
            .iter()
            .map(|segment| segment_text(*segment))
            .collect::<Vec<_>>()
            .join(" or "),
    };
    format!("`{package}{text}`")
}

fn segment_text((low, high): (Bound<&Version>, Bound<&Version>)) -> String {
    let lower = match low {
        Bound::Included(version) => match high {
            Bound::Included(upper) if upper == version => return format!("=={version}"),
            Bound::Excluded(upper) if *upper == after_locals(version) => {
                return format!("=={version}");
            }
            _ => Some(format!(">={version}")),
        },
        Bound::Excluded(version) => Some(format!(">{version}")),
        Bound::Unbounded => None,
    };
    let upper = match high {
        Bound::Included(version) => Some(format!("<={version}")),
        Bound::Excluded(version) => Some(format!("<{version}")),
        Bound::Unbounded => None,
    };
    lower.into_iter().chain(upper).collect::<Vec<_>>().join(",")
}

fn term(package: &Package, term: &Term<Ranges<Version>>) -> String {
    match term {
        Term::Positive(range) => requirement(package, range),
        Term::Negative(range) => format!(
            "a version of `{package}` outside {}",
            requirement(package, range)
        ),
    }
}

impl ReportFormatter<Package, Ranges<Version>, Unusable> for Explainer {
    type Output = String;

    fn format_external(&self, external: &External<Package, Ranges<Version>, Unusable>) -> String {
        match external {
            External::NotRoot(package, version) => {
                format!("{package} {version} is what is being resolved")
            }
            External::NoVersions(package, range) => self.no_versions(package, range),
            External::FromDependencyOf(Package::Root, _, dependency, range) => {
                format!("you require {}", requirement(dependency, range))
            }
            External::FromDependencyOf(package, range, dependency, dependency_range) => format!(
                "{} depends on {}",
                requirement(package, range),
                requirement(dependency, dependency_range)
            ),
            External::Custom(package, range, why) => {
                format!("{} {why}", requirement(package, range))
            }
        }
    }

    fn format_terms(&self, terms: &Map<Package, Term<Ranges<Version>>>) -> String {
        let mut terms: Vec<_> = terms.iter().collect();
        terms.sort_by(|a, b| a.0.cmp(b.0));
        match terms.as_slice() {
            [] => "the requirements cannot be met".into(),
            [(Package::Root, Term::Positive(_))] => "your requirements cannot be met".into(),
            [(package, Term::Positive(range))] => {
                format!("{} cannot be used", requirement(package, range))
            }
            [(package, Term::Negative(range))] => {
                format!("{} is required", requirement(package, range))
            }
            [
                (Package::Root, Term::Positive(_)),
                (dependency, Term::Negative(range)),
            ] => {
                format!("you require {}", requirement(dependency, range))
            }
            [
                (package, Term::Positive(range)),
                (dependency, Term::Negative(dependency_range)),
            ]
            | [
                (dependency, Term::Negative(dependency_range)),
                (package, Term::Positive(range)),
            ] => format!(
                "{} depends on {}",
                requirement(package, range),
                requirement(dependency, dependency_range)
            ),
            many => {
                let listed: Vec<String> =
                    many.iter().map(|(package, t)| term(package, t)).collect();
                format!("{} cannot be used together", listed.join(", "))
            }
        }
    }

    fn explain_both_external(
        &self,
        external1: &External<Package, Ranges<Version>, Unusable>,
        external2: &External<Package, Ranges<Version>, Unusable>,
        current_terms: &Map<Package, Term<Ranges<Version>>>,
    ) -> String {
        format!(
            "Because {} and {}, {}.",
            self.format_external(external1),
            self.format_external(external2),
            self.format_terms(current_terms)
        )
    }

    fn explain_both_ref(
        &self,
        ref_id1: usize,
        derived1: &Derived<Package, Ranges<Version>, Unusable>,
        ref_id2: usize,
        derived2: &Derived<Package, Ranges<Version>, Unusable>,
        current_terms: &Map<Package, Term<Ranges<Version>>>,
    ) -> String {
        format!(
            "Because {} ({ref_id1}) and {} ({ref_id2}), {}.",
            self.format_terms(&derived1.terms),
            self.format_terms(&derived2.terms),
            self.format_terms(current_terms)
        )
    }

    fn explain_ref_and_external(
        &self,
        ref_id: usize,
        derived: &Derived<Package, Ranges<Version>, Unusable>,
        external: &External<Package, Ranges<Version>, Unusable>,
        current_terms: &Map<Package, Term<Ranges<Version>>>,
    ) -> String {
        format!(
            "Because {} ({ref_id}) and {}, {}.",
            self.format_terms(&derived.terms),
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_external(
        &self,
        external: &External<Package, Ranges<Version>, Unusable>,
        current_terms: &Map<Package, Term<Ranges<Version>>>,
    ) -> String {
        format!(
            "And because {}, {}.",
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_ref(
        &self,
        ref_id: usize,
        derived: &Derived<Package, Ranges<Version>, Unusable>,
        current_terms: &Map<Package, Term<Ranges<Version>>>,
    ) -> String {
        format!(
            "And because {} ({ref_id}), {}.",
            self.format_terms(&derived.terms),
            self.format_terms(current_terms)
        )
    }

    fn and_explain_prior_and_external(
        &self,
        prior_external: &External<Package, Ranges<Version>, Unusable>,
        external: &External<Package, Ranges<Version>, Unusable>,
        current_terms: &Map<Package, Term<Ranges<Version>>>,
    ) -> String {
        format!(
            "And because {} and {}, {}.",
            self.format_external(prior_external),
            self.format_external(external),
            self.format_terms(current_terms)
        )
    }
}
