//! [`Catalog`]: a named set of services and groups, checked as a whole.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::Service;

/// A catalog problem: an unknown name, or a broken dependency graph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// No service with that name.
    #[error("unknown service `{name}` in the {catalog} catalog{}", did_you_mean(.suggestion))]
    UnknownService {
        /// The catalog.
        catalog: String,
        /// The name asked for.
        name: String,
        /// The closest known name.
        suggestion: Option<String>,
    },
    /// No group with that name.
    #[error("unknown group `{name}` in the {catalog} catalog (groups: {})", .known.join(", "))]
    UnknownGroup {
        /// The catalog.
        catalog: String,
        /// The name asked for.
        name: String,
        /// The groups there are.
        known: Vec<String>,
    },
    /// A service depends on one that is not in the catalog.
    #[error("{service} depends on `{dependency}`, which is not in the {catalog} catalog")]
    MissingDependency {
        /// The catalog.
        catalog: String,
        /// The service.
        service: String,
        /// The missing dependency.
        dependency: String,
    },
    /// The dependencies form a cycle.
    #[error("dependency cycle in the {catalog} catalog: {}", .cycle.join(" → "))]
    Cycle {
        /// The catalog.
        catalog: String,
        /// The services of the cycle, first repeated last.
        cycle: Vec<String>,
    },
    /// Two services share a name.
    #[error("the {catalog} catalog has two services named `{name}`")]
    Duplicate {
        /// The catalog.
        catalog: String,
        /// The name.
        name: String,
    },
    /// No catalog with that name.
    #[error("unknown catalog `{name}` (catalogs: {})", .known.join(", "))]
    UnknownCatalog {
        /// The name asked for.
        name: String,
        /// The catalogs there are.
        known: Vec<String>,
    },
}

fn did_you_mean(s: &Option<String>) -> String {
    s.as_ref()
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

/// Which services an operation is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selection {
    /// These, by name.
    Services(Vec<String>),
    /// A named group.
    Group(String),
    /// Every service of the catalog.
    All,
}

/// Services and groups. Built in code (see [`builtin_catalog`](super::builtin_catalog)),
/// validated with [`Catalog::validate`].
#[derive(Clone)]
pub struct Catalog {
    name: String,
    services: Vec<Arc<dyn Service>>,
    index: HashMap<String, usize>,
    groups: BTreeMap<String, Vec<String>>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("name", &self.name)
            .field("services", &self.index.keys().collect::<BTreeSet<_>>())
            .field("groups", &self.groups)
            .finish()
    }
}

impl Catalog {
    /// An empty catalog called `name`.
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            services: Vec::new(),
            index: HashMap::new(),
            groups: BTreeMap::new(),
        }
    }

    /// Adds a service.
    pub fn service(mut self, service: impl Service + 'static) -> Self {
        self.index
            .entry(service.name().to_string())
            .or_insert(self.services.len());
        self.services.push(Arc::new(service));
        self
    }

    /// Adds a named group of services.
    pub fn group(mut self, name: &str, members: &[&str]) -> Self {
        self.groups.insert(
            name.to_string(),
            members.iter().map(|m| m.to_string()).collect(),
        );
        self
    }

    /// The catalog's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every service, in the order they were added.
    pub fn services(&self) -> &[Arc<dyn Service>] {
        &self.services
    }

    /// The groups.
    pub fn groups(&self) -> &BTreeMap<String, Vec<String>> {
        &self.groups
    }

    /// The service `name`, or an error suggesting the closest name.
    pub fn get(&self, name: &str) -> Result<&Arc<dyn Service>, CatalogError> {
        self.index
            .get(name)
            .map(|&i| &self.services[i])
            .ok_or_else(|| CatalogError::UnknownService {
                catalog: self.name.clone(),
                name: name.to_string(),
                suggestion: self.closest(name),
            })
    }

    fn closest(&self, name: &str) -> Option<String> {
        let candidates = self.index.keys().filter(|k| {
            k.contains(name) || name.contains(k.as_str()) || edit_distance(k, name) <= 2
        });
        candidates.min_by_key(|k| edit_distance(k, name)).cloned()
    }

    /// The names a selection stands for, in catalog order.
    pub fn select(&self, selection: &Selection) -> Result<Vec<String>, CatalogError> {
        let names: Vec<String> = match selection {
            Selection::All => {
                return Ok(self.services.iter().map(|s| s.name().to_string()).collect());
            }
            Selection::Services(names) => names.clone(),
            Selection::Group(g) => {
                self.groups
                    .get(g)
                    .cloned()
                    .ok_or_else(|| CatalogError::UnknownGroup {
                        catalog: self.name.clone(),
                        name: g.clone(),
                        known: self.groups.keys().cloned().collect(),
                    })?
            }
        };
        for n in &names {
            self.get(n)?;
        }
        let wanted: BTreeSet<&String> = names.iter().collect();
        Ok(self
            .services
            .iter()
            .map(|s| s.name().to_string())
            .filter(|n| wanted.contains(n))
            .collect())
    }

    /// `names` and everything they depend on, dependencies first.
    pub fn with_dependencies(&self, names: &[String]) -> Result<Vec<String>, CatalogError> {
        let mut order = Vec::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = Vec::new();
        for n in names {
            self.visit(n, &mut seen, &mut stack, &mut order)?;
        }
        Ok(order)
    }

    fn visit(
        &self,
        name: &str,
        seen: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
        order: &mut Vec<String>,
    ) -> Result<(), CatalogError> {
        if let Some(pos) = stack.iter().position(|s| s == name) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(name.to_string());
            return Err(CatalogError::Cycle {
                catalog: self.name.clone(),
                cycle,
            });
        }
        if seen.contains(name) {
            return Ok(());
        }
        let svc = self.get(name)?;
        stack.push(name.to_string());
        for dep in svc.dependencies() {
            if !self.index.contains_key(&dep) {
                return Err(CatalogError::MissingDependency {
                    catalog: self.name.clone(),
                    service: name.to_string(),
                    dependency: dep,
                });
            }
            self.visit(&dep, seen, stack, order)?;
        }
        stack.pop();
        seen.insert(name.to_string());
        order.push(name.to_string());
        Ok(())
    }

    /// The services of the catalog that depend on any of `names`, directly or not.
    pub fn dependents_of(&self, names: &[String]) -> Vec<String> {
        let mut found: BTreeSet<String> = names.iter().cloned().collect();
        loop {
            let before = found.len();
            for s in &self.services {
                if s.dependencies().iter().any(|d| found.contains(d)) {
                    found.insert(s.name().to_string());
                }
            }
            if found.len() == before {
                break;
            }
        }
        self.services
            .iter()
            .map(|s| s.name().to_string())
            .filter(|n| found.contains(n) && !names.contains(n))
            .collect()
    }

    /// Checks the whole catalog: unique names, every dependency exists, no cycle, every
    /// group member exists.
    pub fn validate(&self) -> Result<(), CatalogError> {
        let mut names = BTreeSet::new();
        for s in &self.services {
            if !names.insert(s.name()) {
                return Err(CatalogError::Duplicate {
                    catalog: self.name.clone(),
                    name: s.name().to_string(),
                });
            }
        }
        let all: Vec<String> = self.services.iter().map(|s| s.name().to_string()).collect();
        self.with_dependencies(&all)?;
        for members in self.groups.values() {
            for m in members {
                self.get(m)?;
            }
        }
        Ok(())
    }
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}
