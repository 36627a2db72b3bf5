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
/// The bounds of one segment of a range.
type Segment<'a> = (Bound<&'a Version>, Bound<&'a Version>);

/// Formats the explanation of a failed resolution.
pub(crate) struct Explainer {
    /// Why versions of a project were passed over.
    pub(crate) skipped: HashMap<PackageName, Vec<(Version, Unusable)>>,
    /// Projects no index has.
    pub(crate) missing: Vec<PackageName>,
    /// Every version each project has (newest first), to say what exists.
    pub(crate) available: HashMap<PackageName, Vec<Version>>,
    /// The user's own specifiers for each project they require (`<=1.2.3`), with the range
    /// they make: a root requirement is shown as written, not as the range it became
    /// (`<1.2.3.post0.dev0`), where the two agree.
    pub(crate) root_specifiers: HashMap<PackageName, (String, Ranges<Version>)>,
    /// What each package version declared, by name, to name a dependency that requires two
    /// versions at once (`b==1.0.0,==2.0.0`) rather than "no version of `b`".
    pub(crate) declared: HashMap<(Package, Version), Vec<(PackageName, String)>>,
}

impl Explainer {
    pub(crate) fn explain(
        &self,
        tree: &DerivationTree<Package, Ranges<Version>, Unusable>,
    ) -> String {
        use pubgrub::Reporter as _;
        let tree = self.without_local_gaps(tree.clone());
        match &tree {
            // One fact alone (a root requirement against a constraint): still a sentence.
            DerivationTree::External(external) => format!(
                "Because {}, your requirements cannot be met.",
                self.format_external(external)
            ),
            DerivationTree::Derived(_) => {
                pubgrub::DefaultStringReporter::report_with_formatter(&tree, self)
            }
        }
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
            (DerivationTree::External(External::NoVersions(package, range)), other)
                if self.is_local_gap(package, range)
                    || self.is_empty_gap(package, range, other) =>
            {
                ((package.clone(), range.clone()), cause2)
            }
            (other, DerivationTree::External(External::NoVersions(package, range)))
                if self.is_local_gap(package, range)
                    || self.is_empty_gap(package, range, other) =>
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
            DerivationTree::External(External::Custom(p, r, why)) if p == package => {
                DerivationTree::External(External::Custom(p, r.union(&gap), why))
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

    /// A range of `package` that holds none of its versions (the index has some, none in
    /// it, none passed over), next to a fact about `package` itself that it can join: "no
    /// `botocore` between 1.29.0 and 1.29.1, …" is what turns 165 `==` versions that depend
    /// on something into one range that does (`botocore>=1.29.0,<1.30.0`).
    fn is_empty_gap(&self, package: &Package, range: &Ranges<Version>, other: &Tree) -> bool {
        let Some(name) = package.name() else {
            return false;
        };
        let joins = match other {
            DerivationTree::External(External::FromDependencyOf(depender, ..)) => {
                depender == package
            }
            DerivationTree::External(External::Custom(about, ..)) => about == package,
            _ => false,
        };
        joins
            && !self.missing.contains(name)
            && self.available.get(name).is_some_and(|versions| {
                !versions.is_empty() && !versions.iter().any(|version| range.contains(version))
            })
            && !self
                .skipped
                .get(name)
                .is_some_and(|skipped| skipped.iter().any(|(version, _)| range.contains(version)))
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
        // One clause per reason, naming the versions it rules out: a reason shared by many
        // versions (every release needs a build) is said once.
        let mut groups: Vec<(String, Vec<&Version>)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (version, why) in self
            .skipped
            .get(name)
            .into_iter()
            .flatten()
            .filter(|(version, _)| range.contains(version))
        {
            if !seen.insert(version) {
                continue;
            }
            let why = why.to_string();
            match groups.iter_mut().find(|(known, _)| *known == why) {
                Some((_, versions)) => versions.push(version),
                None => groups.push((why, vec![version])),
            }
        }
        let reasons: Vec<String> = groups
            .iter()
            .map(|(why, versions)| match versions.as_slice() {
                [one] => format!("{name} {one} {why}"),
                many => {
                    let shown: Vec<String> = many.iter().take(3).map(ToString::to_string).collect();
                    let more = match many.len() - shown.len() {
                        0 => String::new(),
                        more => format!(" and {more} more"),
                    };
                    format!("{name} {}{more}: each {why}", shown.join(", "))
                }
            })
            .collect();
        let wanted = requirement(package, range);
        if reasons.is_empty() {
            let versions = self.available.get(name);
            // "Anything but these" (which do exist): say which versions there are, not the
            // range that is left.
            if let Some(((Bound::Unbounded, Bound::Unbounded), holes)) = with_holes(range)
                && !holes.is_empty()
                && holes
                    .iter()
                    .all(|hole| versions.is_some_and(|versions| versions.contains(hole)))
            {
                return format!(
                    "no version of `{package}` other than {} exists",
                    list(&holes)
                );
            }
            // The newest (or oldest) version, when the whole range lies beyond it.
            let newest = versions
                .and_then(|versions| versions.first())
                .filter(|newest| {
                    range
                        .intersection(&Ranges::lower_than((*newest).clone()))
                        .is_empty()
                });
            let oldest = versions
                .and_then(|versions| versions.last())
                .filter(|oldest| {
                    range
                        .intersection(&Ranges::higher_than((*oldest).clone()))
                        .is_empty()
                });
            let beyond = match (newest, oldest) {
                (Some(newest), _) => format!(" (the newest is {newest})"),
                (None, Some(oldest)) => format!(" (the oldest is {oldest})"),
                (None, None) => String::new(),
            };
            return format!("no version of {wanted} exists{beyond}");
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

/// `` `foo>=1,<2` ``, `` `foo==1.0` ``, `` `foo>=1,!=1.5` ``, `` `foo` `` (any version), or
/// "your requirements" for the root.
pub(crate) fn requirement(package: &Package, range: &Ranges<Version>) -> String {
    if *package == Package::Root {
        return "your requirements".into();
    }
    let segments: Vec<Segment<'_>> = range
        .iter()
        .map(|(low, high)| (low.as_ref(), high.as_ref()))
        .collect();
    let text = match segments.as_slice() {
        [] => return format!("no version of `{package}`"),
        [segment] => segment_text(*segment),
        // Bounds with single versions missing, as pip users write them: `>=1,!=1.5`.
        many => match with_holes(range) {
            Some((outer, holes)) => {
                let outer = segment_text(outer);
                let holes = holes.iter().map(|hole| format!("!={hole}"));
                (!outer.is_empty())
                    .then_some(outer)
                    .into_iter()
                    .chain(holes)
                    .collect::<Vec<_>>()
                    .join(",")
            }
            None => many
                .iter()
                .map(|segment| segment_text(*segment))
                .collect::<Vec<_>>()
                .join(" or "),
        },
    };
    format!("`{package}{text}`")
}

/// The outer bounds of `range` and the single versions missing between them, when every gap
/// between its segments is one version (with or without its local variants, as `!=` leaves).
fn with_holes(range: &Ranges<Version>) -> Option<(Segment<'_>, Vec<&Version>)> {
    let segments: Vec<(&Bound<Version>, &Bound<Version>)> = range.iter().collect();
    let (first, last) = (segments.first()?, segments.last()?);
    let holes = segments
        .windows(2)
        .map(|pair| match (pair[0].1, pair[1].0) {
            (Bound::Excluded(a), Bound::Excluded(b)) if a == b => Some(a),
            (Bound::Excluded(a), Bound::Included(b)) if *b == after_locals(a) => Some(a),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    Some(((first.0.as_ref(), last.1.as_ref()), holes))
}

/// `1.0`, `1.0 and 2.0`, `1.0, 2.0 and 3.0`.
fn list(versions: &[&Version]) -> String {
    match versions {
        [] => String::new(),
        [only] => only.to_string(),
        [rest @ .., last] => format!(
            "{} and {last}",
            rest.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn segment_text((low, high): Segment<'_>) -> String {
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

impl Explainer {
    /// A root requirement on `package` of `range`: as the user wrote it where that is the
    /// same range, else the range.
    fn root_requirement(&self, package: &Package, range: &Ranges<Version>) -> String {
        let own = package
            .name()
            .and_then(|name| self.root_specifiers.get(name));
        match own {
            Some((text, own)) if own == range => format!("`{package}{text}`"),
            _ => requirement(package, range),
        }
    }
}

impl Explainer {
    /// The versions of `package` in `range` that depend on something: the one version, where
    /// the index has only one in the range (`c==1.0.0`, not `c!=2.0.0`), else the range.
    fn depender(&self, package: &Package, range: &Ranges<Version>) -> String {
        if let Some(versions) = package.name().and_then(|name| self.available.get(name)) {
            let mut inside = versions.iter().filter(|version| range.contains(version));
            if let (Some(only), None) = (inside.next(), inside.next()) {
                return requirement(package, &Ranges::singleton(only.clone()));
            }
        }
        requirement(package, range)
    }

    /// What `package` (in `range`) requires of `dependency`: where that is no version at all,
    /// the specifiers one version of `package` declared, which say why.
    fn dependency_requirement(
        &self,
        package: &Package,
        range: &Ranges<Version>,
        dependency: &Package,
        dependency_range: &Ranges<Version>,
    ) -> String {
        // The one version of `package` in `range` whose requirements are known (a pin's
        // range holds its local versions too, so it is not a single point).
        let mut versions = self
            .declared
            .iter()
            .filter(|((declarer, version), _)| declarer == package && range.contains(version));
        if dependency_range.is_empty()
            && let Some(name) = dependency.name()
            && let (Some((_, declared)), None) = (versions.next(), versions.next())
        {
            let own: Vec<&str> = declared
                .iter()
                .filter(|(declared, text)| declared == name && !text.is_empty())
                .map(|(_, text)| text.as_str())
                .collect();
            if !own.is_empty() {
                return format!("`{dependency}{}`", own.join(","));
            }
        }
        requirement(dependency, dependency_range)
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
                format!("you require {}", self.root_requirement(dependency, range))
            }
            External::FromDependencyOf(package, range, dependency, dependency_range) => format!(
                "{} depends on {}",
                self.depender(package, range),
                self.dependency_requirement(package, range, dependency, dependency_range)
            ),
            External::Custom(
                Package::Root,
                _,
                Unusable::Constrained {
                    requirement,
                    constraint,
                },
            ) => format!("you require {requirement} (excluded by the constraint {constraint})"),
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
                format!("you require {}", self.root_requirement(dependency, range))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::specifiers::to_ranges;

    fn range(text: &str) -> Ranges<Version> {
        to_ranges(&text.parse().expect("valid specifiers"))
    }

    fn v(text: &str) -> Version {
        text.parse().expect("valid version")
    }

    fn foo() -> Package {
        Package::Project("foo".parse().expect("valid name"))
    }

    #[test]
    fn ranges_read_as_specifiers() {
        let cases = [
            (Ranges::full(), "`foo`"),
            (Ranges::empty(), "no version of `foo`"),
            (range("==1.0"), "`foo==1.0`"),
            (Ranges::singleton(v("1.0")), "`foo==1.0`"),
            (range(">=1,<2"), "`foo>=1,<2`"),
            (range("!=1.0"), "`foo!=1.0`"),
            (Ranges::singleton(v("1.0")).complement(), "`foo!=1.0`"),
            (range(">=1,!=1.5,!=1.6,<2"), "`foo>=1,<2,!=1.5,!=1.6`"),
            (
                Ranges::singleton(v("1.0"))
                    .union(&Ranges::singleton(v("2.0")))
                    .complement(),
                "`foo!=1.0,!=2.0`",
            ),
            (range("<1").union(&range(">=2")), "`foo<1 or >=2`"),
        ];
        for (range, expected) in cases {
            assert_eq!(requirement(&foo(), &range), expected, "{range:?}");
        }
        assert_eq!(
            requirement(&Package::Root, &Ranges::full()),
            "your requirements"
        );
    }

    #[test]
    fn missing_versions_say_what_exists() {
        let explainer = Explainer {
            skipped: HashMap::new(),
            missing: vec!["gone".parse().expect("valid name")],
            available: HashMap::from([(
                "foo".parse().expect("valid name"),
                vec![v("2.0"), v("1.0")],
            )]),
            root_specifiers: HashMap::new(),
            declared: HashMap::new(),
        };
        let gone = Package::Project("gone".parse().expect("valid name"));
        let cases = [
            (
                range(">=3"),
                "no version of `foo>=3` exists (the newest is 2.0)",
            ),
            (
                range("<1"),
                "no version of `foo<1` exists (the oldest is 1.0)",
            ),
            (range(">1,<2"), "no version of `foo>1,<2` exists"),
            (
                range("!=1.0,!=2.0"),
                "no version of `foo` other than 1.0 and 2.0 exists",
            ),
            // 1.5 does not exist: the range it is.
            (
                range("!=1.0,!=1.5"),
                "no version of `foo!=1.0,!=1.5` exists",
            ),
        ];
        for (range, expected) in cases {
            assert_eq!(explainer.no_versions(&foo(), &range), expected);
        }
        assert_eq!(
            explainer.no_versions(&gone, &Ranges::full()),
            "`gone` was not found in the package index"
        );
    }
}
