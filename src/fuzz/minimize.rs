//! Shrinking a failing input (delta debugging): drop chunks of a sequence while the
//! failure persists.

/// Shrinks `items` to a smaller list on which `fails` still holds (Zeller's
/// ddmin, complements only), trying at most `budget` candidates. `fails` must hold
/// for `items` itself.
pub fn ddmin<T: Clone>(
    mut items: Vec<T>,
    budget: &mut usize,
    fails: &mut dyn FnMut(&[T]) -> bool,
) -> Vec<T> {
    let mut parts = 2;
    while items.len() >= 2 && *budget > 0 {
        let chunk = items.len().div_ceil(parts);
        let mut reduced = false;
        let mut start = 0;
        while start < items.len() && *budget > 0 {
            let end = (start + chunk).min(items.len());
            let candidate: Vec<T> = items[..start]
                .iter()
                .chain(&items[end..])
                .cloned()
                .collect();
            *budget -= 1;
            if fails(&candidate) {
                items = candidate;
                parts = (parts - 1).max(2);
                reduced = true;
                break;
            }
            start = end;
        }
        if !reduced {
            if parts >= items.len() {
                break;
            }
            parts = (parts * 2).min(items.len());
        }
    }
    if items.len() == 1 && *budget > 0 {
        *budget -= 1;
        if fails(&[]) {
            items.clear();
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddmin_finds_the_two_culprits() {
        let items: Vec<u32> = (0..100).collect();
        let mut budget = 10_000;
        let min = ddmin(items, &mut budget, &mut |c: &[u32]| {
            c.contains(&17) && c.contains(&63)
        });
        assert_eq!(min, vec![17, 63]);
        let mut none = 0;
        let same = ddmin(vec![1, 2, 3], &mut none, &mut |_: &[i32]| true);
        assert_eq!(same, vec![1, 2, 3], "no budget, no change");
    }
}
