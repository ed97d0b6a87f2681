//! Helm values files and their layering. Which YAML files are values files
//! (by name — `values*.yaml`, files under a `values/` folder — or by the keys
//! of CHT's charts), and the `HelmReleases` fact: the effective values of each
//! combination helm would be given, merged the way helm merges `-f` files
//! (maps merge key by key, anything else replaces, `null` deletes). CHT's
//! `scripts/build/helm/values/` is layered `base.yaml` + `deployment-*` +
//! `platform-*`; a `values.yaml` takes `values-*.yaml` / `values.*.yaml`
//! overlays. Every effective leaf keeps the file and line that set it.
//! Parses and merges only.

use std::collections::BTreeMap;
use std::sync::Arc;

use compact_str::CompactString;
use foldhash::{HashMap, HashMapExt};

use crate::facts::inventory::{Kind, Parsed};
use crate::facts::yaml::{Node, Value};
use crate::facts::{Fact, Facts, map_chunks};

/// Top-level keys of CHT's helm charts (cht-core `scripts/build/helm`,
/// medic/helm-charts `cht-chart-4x`): a map with `couchdb` and one of these
/// is a CHT values file whatever its name.
const CHT_CHART_KEYS: [&str; 7] = [
    "project_name",
    "namespace",
    "chtversion",
    "cht_image_tag",
    "upstream_servers",
    "cluster_type",
    "clusteredCouch",
];

/// Whether a YAML file's name says it holds helm values.
pub fn is_values_name(rel: &str) -> bool {
    let (dir, name) = rel.rsplit_once('/').unwrap_or(("", rel));
    let lower = name.to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".yaml")
        .or_else(|| lower.strip_suffix(".yml"));
    let Some(stem) = stem else { return false };
    stem == "values"
        || stem.starts_with("values-")
        || stem.starts_with("values.")
        || stem.ends_with("-values")
        || stem.ends_with(".values")
        || dir.rsplit('/').next() == Some("values")
}

/// Whether a parsed YAML document looks like CHT chart values.
pub fn looks_like_cht_values(doc: &Node) -> bool {
    doc.get("couchdb").is_some_and(Node::is_map)
        && CHT_CHART_KEYS.iter().any(|k| doc.get(k).is_some())
}

/// One effective value and where it was set. Its text and path are shared
/// by every release that layers the file, not copied.
#[derive(Clone, Debug, PartialEq)]
pub struct Leaf {
    /// The scalar's text; `None` for a list or an empty map.
    pub text: Option<Arc<str>>,
    pub rel: Arc<str>,
    pub line: u32,
}

/// One combination of values files, merged.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Release {
    /// `base + deployment-single + platform-eks`.
    pub name: String,
    /// The files in the order helm is given them.
    pub layers: Vec<String>,
    pub values: Values,
}

/// A release's merged values, sorted by path element by element: merged in
/// a map, then kept as a slice of exactly their number (a B-tree node has
/// room for eleven, and most of a release's nodes were half empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Values(Box<[(Path, Leaf)]>);

impl Values {
    /// The leaf at `path`.
    pub fn get<S: AsRef<str>>(&self, path: &[S]) -> Option<&Leaf> {
        self.0
            .binary_search_by(|(p, _)| {
                p.iter()
                    .map(CompactString::as_str)
                    .cmp(path.iter().map(AsRef::as_ref))
            })
            .ok()
            .map(|i| &self.0[i].1)
    }

    /// Every leaf with its path, in path order.
    pub fn iter(&self) -> ValuesIter<'_> {
        self.0.iter().map(|(p, l)| (p, l))
    }

    /// Every path, in order.
    pub fn keys(&self) -> impl Iterator<Item = &Path> {
        self.0.iter().map(|(p, _)| p)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What iterating [`Values`] yields: a path and its leaf.
pub type ValuesIter<'a> = std::iter::Map<
    std::slice::Iter<'a, (Path, Leaf)>,
    fn(&'a (Path, Leaf)) -> (&'a Path, &'a Leaf),
>;

impl<'a> IntoIterator for &'a Values {
    type Item = (&'a Path, &'a Leaf);
    type IntoIter = ValuesIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl From<BTreeMap<Path, Leaf>> for Values {
    fn from(map: BTreeMap<Path, Leaf>) -> Values {
        Values(map.into_iter().collect())
    }
}

/// A value's path from the top of the values (`["couchdb", "password"]`),
/// shared by every release that layers the file that sets it. Its keys are
/// short: kept inline, not one allocation per key of every leaf.
pub type Path = Arc<[CompactString]>;

impl Release {
    /// The leaf at a dotted path (`couchdb.password`).
    pub fn get(&self, path: &str) -> Option<&Leaf> {
        let key: Vec<&str> = path.split('.').collect();
        self.values.get(&key)
    }

    /// The scalar text at a dotted path.
    pub fn text(&self, path: &str) -> Option<&str> {
        self.get(path).and_then(|l| l.text.as_deref())
    }
}

#[derive(Debug, Default)]
pub struct HelmReleases {
    pub releases: Vec<Release>,
    /// Values files that could not be parsed: (rel, error).
    pub broken: Vec<(String, String)>,
}

/// A values file's leaves in document order (`None`: a `null`, which
/// deletes).
type Leaves = Vec<(Path, Option<Leaf>)>;

fn flatten(node: &Node, rel: &Arc<str>, prefix: &mut Vec<CompactString>, out: &mut Leaves) {
    match &node.value {
        Value::Map(entries) if !entries.is_empty() => {
            for (k, v) in entries {
                let Some(key) = k.as_str() else { continue };
                prefix.push(CompactString::new(key));
                flatten(v, rel, prefix, out);
                prefix.pop();
            }
        }
        Value::Null => out.push((prefix.as_slice().into(), None)),
        Value::Scalar(text) => out.push((
            prefix.as_slice().into(),
            Some(Leaf {
                text: Some(Arc::from(text.as_str())),
                rel: rel.clone(),
                line: node.line,
            }),
        )),
        // Lists replace whole; an empty map merges nothing.
        Value::Seq(_) => out.push((
            prefix.as_slice().into(),
            Some(Leaf {
                text: None,
                rel: rel.clone(),
                line: node.line,
            }),
        )),
        Value::Map(_) => {}
    }
}

/// A values file's leaves (each naming the file by its shared path).
fn leaves(doc: &Node, rel: &Arc<str>) -> Leaves {
    let mut out = Vec::new();
    flatten(doc, rel, &mut Vec::new(), &mut out);
    out
}

/// Merges `doc` over `values` as helm does for a later `-f` file.
pub fn merge(values: &mut BTreeMap<Path, Leaf>, doc: &Node, rel: &str) {
    merge_leaves(values, &leaves(doc, &Arc::from(rel)));
}

/// Merges a file's leaves over `values` (see [`merge`]).
fn merge_leaves(values: &mut BTreeMap<Path, Leaf>, leaves: &Leaves) {
    for (path, leaf) in leaves {
        if path.is_empty() {
            continue;
        }
        // The new value replaces whatever was at its path or under it, and any
        // scalar at one of its parents. Keys are ordered element by element,
        // so what lies under `path` is one range starting at it, and its
        // parents are its proper prefixes: no pass over the whole map per
        // leaf (that made one large values file quadratic).
        let under: Vec<Path> = values
            .range::<[CompactString], _>((
                std::ops::Bound::Included(&**path),
                std::ops::Bound::Unbounded,
            ))
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(path))
            .cloned()
            .collect();
        for k in under {
            values.remove(&*k);
        }
        for end in 1..path.len() {
            values.remove(&path[..end]);
        }
        if let Some(leaf) = leaf {
            values.insert(path.clone(), leaf.clone());
        }
    }
}

fn file_stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(name)
}

/// Groups one directory's values files into the combinations helm is run with.
fn combinations(files: &[&str]) -> Vec<Vec<String>> {
    let stem_is = |f: &&&str, s: &str| file_stem(f) == s;
    let base = files
        .iter()
        .find(|f| stem_is(f, "base") || stem_is(f, "values"));
    let Some(base) = base else {
        return files.iter().map(|f| vec![f.to_string()]).collect();
    };
    let mut deployments = Vec::new();
    let mut platforms = Vec::new();
    let mut overlays = Vec::new();
    let mut alone = Vec::new();
    for f in files.iter().filter(|f| *f != base) {
        let stem = file_stem(f);
        if stem.starts_with("deployment-") {
            deployments.push(f.to_string());
        } else if stem.starts_with("platform-") {
            platforms.push(f.to_string());
        } else if stem.starts_with("values-") || stem.starts_with("values.") {
            overlays.push(f.to_string());
        } else {
            alone.push(vec![f.to_string()]);
        }
    }
    let mut out = Vec::new();
    if deployments.is_empty() && platforms.is_empty() && overlays.is_empty() {
        out.push(vec![base.to_string()]);
    }
    let ds: Vec<Option<String>> = if deployments.is_empty() {
        vec![None]
    } else {
        deployments.into_iter().map(Some).collect()
    };
    let ps: Vec<Option<String>> = if platforms.is_empty() {
        vec![None]
    } else {
        platforms.into_iter().map(Some).collect()
    };
    if ds.iter().any(Option::is_some) || ps.iter().any(Option::is_some) {
        for d in &ds {
            for p in &ps {
                let mut c = vec![base.to_string()];
                c.extend(d.clone());
                c.extend(p.clone());
                out.push(c);
            }
        }
    }
    for o in overlays {
        out.push(vec![base.to_string(), o]);
    }
    out.extend(alone);
    out
}

impl HelmReleases {
    /// Groups the values files by directory and merges each combination;
    /// with `par`, directories are merged across cores (only from
    /// `Facts::prepare`, never inside a rule job). Releases come in
    /// directory order either way.
    pub(crate) fn gather(facts: &Facts, par: bool) -> Self {
        let mut out = HelmReleases::default();
        let mut by_dir: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for doc in facts.docs_of(Kind::HelmValues) {
            match &doc.content {
                Ok(Parsed::HelmValues(_)) => {
                    let dir = doc.rel.rsplit_once('/').map_or("", |(d, _)| d);
                    by_dir.entry(dir).or_default().push(&doc.rel);
                }
                Err(e) => out.broken.push((doc.rel.to_string(), e.clone())),
                Ok(_) => {}
            }
        }
        let dirs: Vec<&Vec<&str>> = by_dir.values().collect();
        let parts = map_chunks(par, &dirs, 16, |chunk| {
            let mut releases = Vec::new();
            for files in chunk {
                releases_of(facts, files, &mut releases);
            }
            releases
        });
        // Kept to the end of the scan: exactly as long as the list.
        out.releases = Vec::with_capacity(parts.iter().map(Vec::len).sum());
        out.releases.extend(parts.into_iter().flatten());
        share_paths(&mut out.releases);
        out
    }

    /// The releases of each directory, in order: `gather` lists them
    /// directory by directory, and a values file is layered only with
    /// files of its own directory, so no leaf is shared between two.
    pub fn by_directory(&self) -> Vec<&[Release]> {
        fn dir(r: &Release) -> &str {
            r.layers
                .first()
                .and_then(|l| l.rsplit_once('/'))
                .map_or("", |(d, _)| d)
        }
        self.releases.chunk_by(|a, b| dir(a) == dir(b)).collect()
    }
}

/// Makes every release hold one copy of each path (`couchdb.password`):
/// a directory's releases share their paths already, but a tree of many
/// sites repeats the same few paths in every site's values files.
fn share_paths(releases: &mut [Release]) {
    let mut seen: foldhash::HashSet<Path> = foldhash::HashSet::default();
    for release in releases {
        for (path, _) in release.values.0.iter_mut() {
            match seen.get(path) {
                Some(first) => *path = first.clone(),
                None => {
                    seen.insert(path.clone());
                }
            }
        }
    }
}

/// The releases of one directory's values files.
fn releases_of(facts: &Facts, files: &[&str], out: &mut Vec<Release>) {
    // Each file's leaves once, however many releases layer it (a file is
    // layered only with files of its own directory).
    let mut flat: HashMap<String, Option<Leaves>> = HashMap::new();
    for layers in combinations(files) {
        let mut release = Release {
            name: layers
                .iter()
                .map(|l| file_stem(l))
                .collect::<Vec<_>>()
                .join(" + "),
            ..Release::default()
        };
        let mut values = BTreeMap::new();
        for rel in &layers {
            if !flat.contains_key(rel.as_str()) {
                let file = facts.doc(rel).and_then(|doc| match &doc.content {
                    Ok(Parsed::HelmValues(node)) => Some(leaves(node, &doc.rel)),
                    _ => None,
                });
                flat.insert(rel.clone(), file);
            }
            if let Some(Some(file)) = flat.get(rel.as_str()) {
                merge_leaves(&mut values, file);
            }
        }
        release.values = values.into();
        release.layers = layers;
        out.push(release);
    }
}

impl Fact for HelmReleases {
    fn collect(facts: &Facts) -> Self {
        HelmReleases::gather(facts, false)
    }

    /// Across cores, a few releases per task (each holds its leaves).
    fn free(self) {
        use rayon::prelude::*;
        self.releases
            .into_par_iter()
            .with_min_len(64)
            .for_each(drop);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::yaml;

    #[test]
    fn names() {
        assert!(is_values_name("helm/values.yaml"));
        assert!(is_values_name("values-prod.yml"));
        assert!(is_values_name(
            "scripts/build/helm/values/platform-eks.yaml"
        ));
        assert!(is_values_name("prod.values.yaml"));
        assert!(!is_values_name("helm/Chart.yaml"));
        assert!(!is_values_name("valuesx.txt"));
    }

    #[test]
    fn releases_share_each_path() {
        // Two sites' values files, each merged on its own.
        let mut releases: Vec<Release> = ["site-a/values.yaml", "site-b/values.yaml"]
            .iter()
            .map(|rel| {
                let doc = yaml::parse("couchdb:\n  password: x\n  user: medic\n").unwrap();
                let mut values = BTreeMap::new();
                merge(&mut values, &doc[0], rel);
                Release {
                    values: values.into(),
                    ..Release::default()
                }
            })
            .collect();
        let path = |r: &Release, i: usize| r.values.0[i].0.clone();
        assert!(!Arc::ptr_eq(&path(&releases[0], 0), &path(&releases[1], 0)));
        share_paths(&mut releases);
        for i in 0..2 {
            assert!(Arc::ptr_eq(&path(&releases[0], i), &path(&releases[1], i)));
        }
        assert_eq!(
            releases[1].get("couchdb.password").unwrap().rel.as_ref(),
            "site-b/values.yaml"
        );
        assert_eq!(
            releases[1].get("couchdb.user").unwrap().text.as_deref(),
            Some("medic")
        );
    }

    #[test]
    fn merges_like_helm() {
        let base =
            yaml::parse("couchdb:\n  password: a\n  user: medic\nlist: [1, 2]\nx: 1\n").unwrap();
        let over = yaml::parse("couchdb:\n  password: b\nlist: [3]\nx: null\n").unwrap();
        let mut v = BTreeMap::new();
        merge(&mut v, &base[0], "base.yaml");
        merge(&mut v, &over[0], "o.yaml");
        let r = Release {
            values: v.into(),
            ..Release::default()
        };
        assert_eq!(r.text("couchdb.password"), Some("b"));
        assert_eq!(&*r.get("couchdb.password").unwrap().rel, "o.yaml");
        assert_eq!(r.get("couchdb.password").unwrap().line, 2);
        assert_eq!(r.text("couchdb.user"), Some("medic"));
        assert_eq!(&*r.get("list").unwrap().rel, "o.yaml");
        assert!(r.get("x").is_none(), "null deletes");
    }

    #[test]
    fn merge_replaces_parents_and_children_only() {
        let base =
            yaml::parse("a: 1\nab: 2\nm:\n  x: 1\n  y:\n    z: 2\nm2:\n  x: 3\nn:\n  k: 4\n")
                .unwrap();
        // `a` (a scalar) becomes a map; `m` (a map) becomes a scalar.
        let over = yaml::parse("a:\n  b: 5\nm: 6\nn:\n  k:\n    deep: 7\n").unwrap();
        let mut v = BTreeMap::new();
        merge(&mut v, &base[0], "base.yaml");
        merge(&mut v, &over[0], "o.yaml");
        let keys: Vec<String> = v.keys().map(|k| k.join(".")).collect();
        assert_eq!(keys, ["a.b", "ab", "m", "m2.x", "n.k.deep"]);
        assert_eq!(
            v[[CompactString::new("m")].as_slice()].text.as_deref(),
            Some("6")
        );
    }

    #[test]
    fn cht_layering() {
        let files = [
            "v/base.yaml",
            "v/deployment-multi.yaml",
            "v/deployment-single.yaml",
            "v/platform-eks.yaml",
            "v/platform-gke.yaml",
        ];
        let c = combinations(&files);
        assert_eq!(c.len(), 4);
        assert_eq!(
            c[0],
            vec![
                "v/base.yaml",
                "v/deployment-multi.yaml",
                "v/platform-eks.yaml"
            ]
        );
        let c = combinations(&["h/values.yaml", "h/values-prod.yaml", "h/other.yaml"]);
        assert_eq!(
            c,
            vec![
                vec![
                    "h/values.yaml".to_string(),
                    "h/values-prod.yaml".to_string()
                ],
                vec!["h/other.yaml".to_string()]
            ]
        );
        assert_eq!(combinations(&["a.yaml"]), vec![vec!["a.yaml".to_string()]]);
    }
}
