//! The dependency graph a lock records in its `# via` comments (pylock's
//! `[packages.tool.hashpin] via`): each package's depth from the inputs, and the size of
//! everything it brings in.

use std::collections::{BTreeSet, HashMap, VecDeque};

use hashpin_pypi::PackageName;

/// Depths and subtrees, by package index.
#[derive(Debug)]
pub(super) struct Graph {
    /// 1 for a package the inputs name; `None` when the lock does not say who requires it.
    pub(super) depth: Vec<Option<usize>>,
    /// Each package's own index and every package it brings in, directly or not.
    pub(super) subtree: Vec<BTreeSet<usize>>,
    /// The packages each requires directly.
    pub(super) children: Vec<BTreeSet<usize>>,
    /// The packages the inputs name.
    pub(super) roots: BTreeSet<usize>,
    /// Each package's parent on its shortest chain from the inputs: a tree over the graph,
    /// in which every package has one place (for a picture of where the bytes are).
    pub(super) tree_parent: Vec<Option<usize>>,
}

/// Whether a `# via` entry is an input file (`-r requirements.in`, `myproject
/// (pyproject.toml)`) rather than a package.
pub(super) fn is_input(via: &str) -> bool {
    via.starts_with("-r ") || via.ends_with(')')
}

impl Graph {
    /// The graph of packages named `names`, each required by the entries of `via`.
    pub(super) fn new(names: &[PackageName], via: &[Vec<String>]) -> Self {
        let index: HashMap<&PackageName, usize> = names
            .iter()
            .enumerate()
            .map(|(at, name)| (name, at))
            .collect();
        let mut children: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); names.len()];
        let mut roots = BTreeSet::new();
        for (at, vias) in via.iter().enumerate() {
            for entry in vias {
                if is_input(entry) {
                    roots.insert(at);
                } else if let Ok(parent) = entry.parse::<PackageName>()
                    && let Some(&parent) = index.get(&parent)
                    && parent != at
                {
                    children[parent].insert(at);
                }
            }
        }
        // Breadth first from the inputs: the shortest chain that brings each package in.
        let mut depth = vec![None; names.len()];
        let mut tree_parent = vec![None; names.len()];
        let mut queue = VecDeque::new();
        for &root in &roots {
            if depth[root].is_none() {
                depth[root] = Some(1);
                queue.push_back(root);
            }
        }
        while let Some(at) = queue.pop_front() {
            let next = depth[at].map(|depth| depth + 1);
            for &child in &children[at] {
                if depth[child].is_none() {
                    depth[child] = next;
                    tree_parent[child] = Some(at);
                    queue.push_back(child);
                }
            }
        }
        let subtree = (0..names.len())
            .map(|at| {
                let mut seen = BTreeSet::from([at]);
                let mut stack = vec![at];
                while let Some(node) = stack.pop() {
                    for &child in &children[node] {
                        if seen.insert(child) {
                            stack.push(child);
                        }
                    }
                }
                seen
            })
            .collect();
        Self {
            depth,
            subtree,
            children,
            roots,
            tree_parent,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

    #[test]
    fn depth_is_the_shortest_chain_and_cycles_end() {
        let names: Vec<PackageName> = ["app", "dep", "leaf", "loner"]
            .iter()
            .map(|name| PackageName::from_str(name).unwrap())
            .collect();
        let via = vec![
            vec!["-r requirements.in".to_string(), "leaf".to_string()],
            vec!["app".to_string()],
            vec!["dep".to_string(), "-r requirements.in".to_string()],
            vec![],
        ];
        let graph = Graph::new(&names, &via);
        assert_eq!(graph.depth, vec![Some(1), Some(2), Some(1), None]);
        // app -> dep -> leaf -> app: a cycle, each once.
        assert_eq!(graph.subtree[0], BTreeSet::from([0, 1, 2]));
        assert_eq!(graph.subtree[3], BTreeSet::from([3]));
        assert_eq!(graph.tree_parent, vec![None, Some(0), None, None]);
    }
}
