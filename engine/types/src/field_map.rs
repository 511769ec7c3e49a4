//! A map from names (or other ordered keys) to values, in key order, that
//! costs what it holds.
//!
//! Most maps in a plan are small: an object's attributes, a resource's
//! few settings. A B-tree gives each of them a node of eleven slots
//! (about a kilobyte for a value of four attributes); a sorted vector
//! gives them their length. Large maps (a resource type's thousands of
//! instances, built one insertion at a time) stay B-trees, where an
//! insertion does not shift what follows it.

use std::borrow::Borrow;
use std::collections::{btree_map, BTreeMap};

/// Up to this many entries, a map is a sorted vector.
const SMALL: usize = 32;

#[derive(Clone)]
pub enum FieldMap<V, K = String> {
    Small(Vec<(K, V)>),
    Large(BTreeMap<K, V>),
}

impl<V, K> Default for FieldMap<V, K> {
    fn default() -> Self {
        FieldMap::Small(Vec::new())
    }
}

impl<V, K> FieldMap<V, K> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        match self {
            FieldMap::Small(v) => v.len(),
            FieldMap::Large(m) => m.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn iter(&self) -> Iter<'_, V, K> {
        match self {
            FieldMap::Small(v) => Iter::Small(v.iter()),
            FieldMap::Large(m) => Iter::Large(m.iter()),
        }
    }

    pub fn iter_mut(&mut self) -> IterMut<'_, V, K> {
        match self {
            FieldMap::Small(v) => IterMut::Small(v.iter_mut()),
            FieldMap::Large(m) => IterMut::Large(m.iter_mut()),
        }
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + ExactSizeIterator + Clone {
        self.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + Clone {
        self.iter().map(|(_, v)| v)
    }
}

impl<V, K: Ord> FieldMap<V, K> {
    fn position<Q: Ord + ?Sized>(entries: &[(K, V)], key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        match self {
            FieldMap::Small(v) => Self::position(v, key).ok().map(|i| &v[i].1),
            FieldMap::Large(m) => m.get(key),
        }
    }

    pub fn get_mut<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        match self {
            FieldMap::Small(v) => Self::position(v, key).ok().map(|i| &mut v[i].1),
            FieldMap::Large(m) => m.get_mut(key),
        }
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.get(key).is_some()
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        match self {
            FieldMap::Small(v) => match Self::position(v, &key) {
                Ok(i) => Some(std::mem::replace(&mut v[i].1, value)),
                Err(i) => {
                    // Room for one more, not for twice as many: most maps
                    // are small and stay as they are built.
                    v.reserve_exact(1);
                    v.insert(i, (key, value));
                    if v.len() > SMALL {
                        *self = FieldMap::Large(std::mem::take(v).into_iter().collect());
                    }
                    None
                }
            },
            FieldMap::Large(m) => m.insert(key, value),
        }
    }

    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        match self {
            FieldMap::Small(v) => Self::position(v, key).ok().map(|i| v.remove(i).1),
            FieldMap::Large(m) => m.remove(key),
        }
    }

    /// The entry of `key`, made with `default()` when missing.
    pub fn get_or_insert_with<Q: Ord + ToOwned<Owned = K> + ?Sized>(
        &mut self,
        key: &Q,
        default: impl FnOnce() -> V,
    ) -> &mut V
    where
        K: Borrow<Q>,
    {
        if !self.contains_key(key) {
            self.insert(key.to_owned(), default());
        }
        self.get_mut(key).expect("just inserted")
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        match self {
            FieldMap::Small(v) => v.retain_mut(|(k, x)| keep(k, x)),
            FieldMap::Large(m) => m.retain(|k, x| keep(k, x)),
        }
    }
}

impl<V: PartialEq, K: PartialEq> PartialEq for FieldMap<V, K> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl<V: std::fmt::Debug, K: std::fmt::Debug> std::fmt::Debug for FieldMap<V, K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<V, K: Ord> FromIterator<(K, V)> for FieldMap<V, K> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut entries: Vec<(K, V)> = iter.into_iter().collect();
        if entries.len() > SMALL {
            return FieldMap::Large(entries.into_iter().collect());
        }
        // As a B-tree collects: in key order, the last of equal keys kept.
        if !entries.windows(2).all(|w| w[0].0 < w[1].0) {
            entries.reverse();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries.dedup_by(|later, kept| later.0 == kept.0);
        }
        entries.shrink_to_fit();
        FieldMap::Small(entries)
    }
}

impl<V, K: Ord> From<BTreeMap<K, V>> for FieldMap<V, K> {
    fn from(map: BTreeMap<K, V>) -> Self {
        if map.len() > SMALL {
            // Built again from its entries in order, a B-tree's nodes are
            // full; one built by insertions in any order is a third empty.
            FieldMap::Large(map.into_iter().collect())
        } else {
            FieldMap::Small(map.into_iter().collect())
        }
    }
}

pub enum Iter<'a, V, K = String> {
    Small(std::slice::Iter<'a, (K, V)>),
    Large(btree_map::Iter<'a, K, V>),
}

impl<V, K> Clone for Iter<'_, V, K> {
    fn clone(&self) -> Self {
        match self {
            Iter::Small(i) => Iter::Small(i.clone()),
            Iter::Large(i) => Iter::Large(i.clone()),
        }
    }
}

impl<'a, V, K> Iterator for Iter<'a, V, K> {
    type Item = (&'a K, &'a V);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Small(i) => i.next().map(|(k, v)| (k, v)),
            Iter::Large(i) => i.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Iter::Small(i) => i.size_hint(),
            Iter::Large(i) => i.size_hint(),
        }
    }
}

impl<V, K> DoubleEndedIterator for Iter<'_, V, K> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Small(i) => i.next_back().map(|(k, v)| (k, v)),
            Iter::Large(i) => i.next_back(),
        }
    }
}

impl<V, K> ExactSizeIterator for Iter<'_, V, K> {}

pub enum IterMut<'a, V, K = String> {
    Small(std::slice::IterMut<'a, (K, V)>),
    Large(btree_map::IterMut<'a, K, V>),
}

impl<'a, V, K> Iterator for IterMut<'a, V, K> {
    type Item = (&'a K, &'a mut V);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            IterMut::Small(i) => i.next().map(|(k, v)| (&*k, v)),
            IterMut::Large(i) => i.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            IterMut::Small(i) => i.size_hint(),
            IterMut::Large(i) => i.size_hint(),
        }
    }
}

impl<V, K> DoubleEndedIterator for IterMut<'_, V, K> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            IterMut::Small(i) => i.next_back().map(|(k, v)| (&*k, v)),
            IterMut::Large(i) => i.next_back(),
        }
    }
}

impl<V, K> ExactSizeIterator for IterMut<'_, V, K> {}

pub enum IntoIter<V, K = String> {
    Small(std::vec::IntoIter<(K, V)>),
    Large(btree_map::IntoIter<K, V>),
}

impl<V, K> Iterator for IntoIter<V, K> {
    type Item = (K, V);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            IntoIter::Small(i) => i.next(),
            IntoIter::Large(i) => i.next(),
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            IntoIter::Small(i) => i.size_hint(),
            IntoIter::Large(i) => i.size_hint(),
        }
    }
}

impl<V, K> DoubleEndedIterator for IntoIter<V, K> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            IntoIter::Small(i) => i.next_back(),
            IntoIter::Large(i) => i.next_back(),
        }
    }
}

impl<V, K> ExactSizeIterator for IntoIter<V, K> {}

impl<V, K> IntoIterator for FieldMap<V, K> {
    type Item = (K, V);
    type IntoIter = IntoIter<V, K>;
    fn into_iter(self) -> IntoIter<V, K> {
        match self {
            FieldMap::Small(v) => IntoIter::Small(v.into_iter()),
            FieldMap::Large(m) => IntoIter::Large(m.into_iter()),
        }
    }
}

impl<'a, V, K> IntoIterator for &'a FieldMap<V, K> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, V, K>;
    fn into_iter(self) -> Iter<'a, V, K> {
        self.iter()
    }
}

impl<'a, V, K> IntoIterator for &'a mut FieldMap<V, K> {
    type Item = (&'a K, &'a mut V);
    type IntoIter = IterMut<'a, V, K>;
    fn into_iter(self) -> IterMut<'a, V, K> {
        self.iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation agrees with a B-tree's, small and large alike.
    #[test]
    fn it_behaves_as_a_b_tree_does() {
        for n in [0usize, 1, 5, SMALL, SMALL + 1, 200] {
            // Out of order, with repeated keys (the last one wins).
            let pairs: Vec<(String, usize)> = (0..n)
                .map(|i| (format!("k{}", (i * 7919) % (n.max(1) / 2 + 1)), i))
                .collect();
            let mut ours: FieldMap<usize> = pairs.iter().cloned().collect();
            let mut theirs: BTreeMap<String, usize> = pairs.iter().cloned().collect();
            let check = |ours: &FieldMap<usize>, theirs: &BTreeMap<String, usize>| {
                assert_eq!(ours.len(), theirs.len());
                assert!(ours.iter().eq(theirs.iter()));
                assert!(ours.iter().rev().eq(theirs.iter().rev()));
            };
            check(&ours, &theirs);
            for i in 0..n {
                let k = format!("k{}", i * 3);
                assert_eq!(ours.insert(k.clone(), i), theirs.insert(k, i));
                check(&ours, &theirs);
            }
            for i in 0..n / 2 {
                let k = format!("k{}", i * 5);
                assert_eq!(ours.remove(&k), theirs.remove(&k));
                assert_eq!(ours.get(&k), theirs.get(&k));
            }
            ours.retain(|_, v| *v % 2 == 0);
            theirs.retain(|_, v| *v % 2 == 0);
            check(&ours, &theirs);
            assert_eq!(ours, FieldMap::from(theirs.clone()));
            assert!(ours.into_iter().eq(theirs.into_iter()));
        }
    }

    #[test]
    fn a_small_map_is_a_vector_and_a_large_one_a_tree() {
        let mut m: FieldMap<u8> = (0..SMALL).map(|i| (format!("{i:03}"), 0)).collect();
        assert!(matches!(m, FieldMap::Small(_)));
        m.insert("x".into(), 1);
        assert!(matches!(m, FieldMap::Large(_)));
    }
}
