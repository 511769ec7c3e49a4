//! Work over a large slice, shared among the machine's cores (at most 8):
//! a part of the slice per thread, results in the slice's order. Below
//! `min` items, or on one core, the work runs on the calling thread.

/// The threads a large job is shared among.
pub fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// `f` over contiguous parts of `items`; `f` is given each part and its
/// index. One part when the slice is short or the machine has one core.
pub fn map_parts<T: Sync, R: Send>(
    items: &[T],
    min: usize,
    f: impl Fn(&[T], usize) -> R + Sync,
) -> Vec<R> {
    let threads = threads();
    if threads == 1 || items.len() < min.max(2) {
        return vec![f(items, 0)];
    }
    let share = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(share)
            .enumerate()
            .map(|(i, part)| scope.spawn(move || f(part, i)))
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a worker does not panic"))
            .collect()
    })
}

/// `f` over contiguous parts of `items`, changing them in place.
pub fn for_each_part_mut<T: Send>(items: &mut [T], min: usize, f: impl Fn(&mut [T]) + Sync) {
    let threads = threads();
    if threads == 1 || items.len() < min.max(2) {
        return f(items);
    }
    let share = items.len().div_ceil(threads);
    let f = &f;
    std::thread::scope(|scope| {
        for part in items.chunks_mut(share) {
            scope.spawn(move || f(part));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_slice_in_order() {
        let items: Vec<usize> = (0..10_000).collect();
        let parts = map_parts(&items, 100, |part, _| part.to_vec());
        assert_eq!(parts.concat(), items);
        assert_eq!(
            map_parts(&items[..5], 100, |part, i| (part.len(), i)),
            vec![(5, 0)]
        );
        let mut doubled = items.clone();
        for_each_part_mut(&mut doubled, 100, |part| {
            part.iter_mut().for_each(|x| *x *= 2)
        });
        assert!(doubled.iter().zip(&items).all(|(d, x)| *d == 2 * x));
    }
}
