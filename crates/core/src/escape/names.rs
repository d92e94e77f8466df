//! Names derived from ids that must stay unique in one output.

/// Names that stay unique (Terraform labels, CloudFormation logical ids): the
/// same id always gets the same name; a second id whose name is taken gets the
/// next free `{name}{sep}2`, `{name}{sep}3`, …
#[derive(Debug, Default)]
pub struct Names {
    given: std::collections::HashMap<String, String>,
    taken: std::collections::HashSet<String>,
}

impl Names {
    /// The Terraform label of `id`.
    pub fn label(&mut self, id: &str) -> String {
        self.unique(id, super::hcl::label(id), "_")
    }

    /// The name for `key` built from `base`, made unique with `sep` and a number.
    pub fn unique(&mut self, key: &str, base: String, sep: &str) -> String {
        if let Some(l) = self.given.get(key) {
            return l.clone();
        }
        let mut candidate = base.clone();
        let mut n = 1;
        while self.taken.contains(&candidate) {
            n += 1;
            candidate = format!("{base}{sep}{n}");
        }
        self.taken.insert(candidate.clone());
        self.given.insert(key.to_string(), candidate.clone());
        candidate
    }
}
