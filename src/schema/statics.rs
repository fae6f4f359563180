//! Fields that are the same for every event of an input: `--add-field`, `--tag`-free static
//! values, and the source metadata (`log.file.path`, `cloud.account.id`, `cloud.region`).
//!
//! Kept as a tree of dotted-key paths with each subtree pre-rendered as JSON, so the writer
//! merges them into its objects without building anything per line.

use super::planned::Plan;
use crate::json::write_str;

pub const ROOT: u32 = 0;
pub const NO_NODE: u32 = u32::MAX;

/// One key of the tree.
#[derive(Clone, Debug)]
pub struct Node {
    pub key: String,
    /// The key as a JSON string (quoted and escaped).
    pub key_json: Vec<u8>,
    children: Vec<u32>,
    value: Option<String>,
    /// The JSON of this node's value (a string, or an object of its children).
    pub rendered: Vec<u8>,
}

/// A tree of static fields, built with [`StaticFields::insert`].
#[derive(Clone, Debug)]
pub struct StaticFields {
    nodes: Vec<Node>,
    /// How ECS events write them without a lookup per field, when they can.
    ecs_plan: Option<Plan>,
}

/// A key that is both a value and an object (`--add-field a=1 --add-field a.b=2`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyConflict(pub String);

impl Default for StaticFields {
    fn default() -> Self {
        StaticFields {
            nodes: vec![Node {
                key: String::new(),
                key_json: b"\"\"".to_vec(),
                children: Vec::new(),
                value: None,
                rendered: Vec::new(),
            }],
            ecs_plan: Some(Plan::default()),
        }
    }
}

impl StaticFields {
    /// Sets the string value at a dotted path; a later value for the same path replaces the
    /// earlier one.
    pub fn insert(&mut self, dotted: &str, value: &str) -> Result<(), KeyConflict> {
        let mut at = ROOT;
        let parts: Vec<&str> = dotted.split('.').collect();
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            if self.nodes[at as usize].value.is_some() {
                return Err(KeyConflict(dotted.to_string()));
            }
            at = match self.child(at, part) {
                NO_NODE => {
                    let id = self.nodes.len() as u32;
                    self.nodes.push(Node {
                        key: (*part).to_string(),
                        key_json: {
                            let mut json = Vec::new();
                            write_str(&mut json, part.as_bytes(), false);
                            json
                        },
                        children: Vec::new(),
                        value: None,
                        rendered: Vec::new(),
                    });
                    self.nodes[at as usize].children.push(id);
                    id
                }
                existing => existing,
            };
            if last {
                let node = &mut self.nodes[at as usize];
                if !node.children.is_empty() {
                    return Err(KeyConflict(dotted.to_string()));
                }
                node.value = Some(value.to_string());
            }
        }
        self.render();
        Ok(())
    }

    /// Renders every subtree to JSON, and plans them for ECS events (called after each insert;
    /// trees are tiny).
    fn render(&mut self) {
        fn render(nodes: &mut [Node], id: usize) -> Vec<u8> {
            let mut out = Vec::new();
            if let Some(v) = &nodes[id].value {
                write_str(&mut out, v.as_bytes(), false);
            } else {
                out.push(b'{');
                for (i, child) in nodes[id].children.clone().into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_str(&mut out, nodes[child as usize].key.as_bytes(), false);
                    out.push(b':');
                    out.extend_from_slice(&render(nodes, child as usize));
                }
                out.push(b'}');
            }
            nodes[id].rendered = out.clone();
            out
        }
        render(&mut self.nodes, ROOT as usize);
        self.ecs_plan = Plan::ecs(self);
    }

    /// How ECS events write these fields, or `None` when one meets a field of the mapping
    /// (see [`Plan::ecs`]).
    pub fn ecs_plan(&self) -> Option<&Plan> {
        self.ecs_plan.as_ref()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.len() == 1
    }

    pub fn node(&self, id: u32) -> &Node {
        &self.nodes[id as usize]
    }

    pub fn children(&self, id: u32) -> &[u32] {
        &self.nodes[id as usize].children
    }

    /// The child of `parent` named `key`, or `NO_NODE`.
    #[inline]
    pub fn child(&self, parent: u32, key: &str) -> u32 {
        self.nodes[parent as usize]
            .children
            .iter()
            .copied()
            .find(|&c| self.nodes[c as usize].key == key)
            .unwrap_or(NO_NODE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_keys_nest_and_render() {
        let mut s = StaticFields::default();
        s.insert("labels.env", "prod").unwrap();
        s.insert("labels.team", "web \"x\"").unwrap();
        s.insert("service", "shop").unwrap();
        assert_eq!(
            String::from_utf8(s.node(ROOT).rendered.clone()).unwrap(),
            r#"{"labels":{"env":"prod","team":"web \"x\""},"service":"shop"}"#
        );
        s.insert("service", "shop2").unwrap();
        assert!(String::from_utf8_lossy(&s.node(ROOT).rendered).contains("shop2"));
    }

    #[test]
    fn value_and_object_at_one_key_conflict() {
        let mut s = StaticFields::default();
        s.insert("a", "1").unwrap();
        assert!(s.insert("a.b", "2").is_err());
        let mut s = StaticFields::default();
        s.insert("a.b", "1").unwrap();
        assert!(s.insert("a", "2").is_err());
    }
}
