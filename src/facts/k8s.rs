//! Kubernetes manifests: multi-document YAML (and `kind: List`) read into
//! objects that keep their YAML node and line; typed views for the kinds
//! rules judge (Service). Parses only.

use crate::facts::yaml::{Node, Value};

#[derive(Clone, Debug, PartialEq)]
pub struct Object {
    pub api_version: String,
    pub kind: String,
    pub name: Option<String>,
    pub line: u32,
    pub node: Node,
}

/// Whether a document is a Kubernetes object (`apiVersion` and `kind`).
pub fn looks_like_k8s(doc: &Node) -> bool {
    doc.get("apiVersion").and_then(Node::as_str).is_some()
        && doc.get("kind").and_then(Node::as_str).is_some()
}

/// The objects of a manifest stream, `List` items flattened.
pub fn objects(docs: &[Node]) -> Vec<Object> {
    into_objects(docs.to_vec())
}

/// [`objects`], taking the documents: each object keeps its node without
/// a copy.
pub fn into_objects(docs: Vec<Node>) -> Vec<Object> {
    let mut out = Vec::new();
    for doc in docs {
        collect(doc, &mut out);
    }
    out
}

fn collect(doc: Node, out: &mut Vec<Object>) {
    if !looks_like_k8s(&doc) {
        return;
    }
    let kind = doc
        .get("kind")
        .and_then(Node::as_str)
        .unwrap_or_default()
        .to_string();
    if kind == "List" || kind.ends_with("List") {
        let Value::Map(entries) = doc.value else {
            return;
        };
        // The `items` a lookup finds: the first, as `get` does.
        let items = entries
            .into_iter()
            .find(|(k, _)| k.as_str() == Some("items"));
        if let Some((
            _,
            Node {
                value: Value::Seq(items),
                ..
            },
        )) = items
        {
            for item in items {
                collect(item, out);
            }
        }
        return;
    }
    out.push(Object {
        api_version: doc
            .get("apiVersion")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string(),
        kind,
        name: doc
            .path(&["metadata", "name"])
            .and_then(Node::as_str)
            .map(str::to_string),
        line: doc.line,
        node: {
            // Kept for the whole scan: at its size.
            let mut node = doc;
            node.compact();
            node
        },
    });
}

/// One port of a Service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: Option<u16>,
    pub target_port: Option<String>,
    pub node_port: Option<u16>,
    pub line: u32,
}

impl Object {
    /// `spec.type`, defaulting to `ClusterIP`.
    pub fn service_type(&self) -> &str {
        self.node
            .path(&["spec", "type"])
            .and_then(Node::as_str)
            .unwrap_or("ClusterIP")
    }

    pub fn selector(&self) -> Vec<(String, String)> {
        self.node
            .path(&["spec", "selector"])
            .map(|s| {
                s.entries()
                    .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn service_ports(&self) -> Vec<ServicePort> {
        self.node
            .path(&["spec", "ports"])
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .map(|p| ServicePort {
                name: p.get("name").and_then(Node::as_str).map(str::to_string),
                port: p
                    .get("port")
                    .and_then(Node::as_str)
                    .and_then(|s| s.parse().ok()),
                target_port: p
                    .get("targetPort")
                    .and_then(Node::as_str)
                    .map(str::to_string),
                node_port: p
                    .get("nodePort")
                    .and_then(Node::as_str)
                    .and_then(|s| s.parse().ok()),
                line: p.line,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::yaml;

    #[test]
    fn reads_services_and_lists() {
        let text = "apiVersion: v1\nkind: Service\nmetadata:\n  name: couchdb\nspec:\n  type: NodePort\n  selector:\n    app: couchdb\n  ports:\n    - port: 5984\n      nodePort: 30984\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Service\n    metadata: {name: api}\n    spec: {ports: [{port: 5988}]}\n";
        let objs = objects(&yaml::parse(text).unwrap());
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].service_type(), "NodePort");
        assert_eq!(objs[0].selector(), vec![("app".into(), "couchdb".into())]);
        let p = &objs[0].service_ports()[0];
        assert_eq!((p.port, p.node_port, p.line), (Some(5984), Some(30984), 10));
        assert_eq!(objs[1].name.as_deref(), Some("api"));
        assert_eq!(objs[1].service_type(), "ClusterIP");
    }
}
