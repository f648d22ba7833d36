//! Tests of the mapping contract: `MappingSet` bookkeeping and invalidation.

use std::sync::Arc;

use parking_lot::Mutex;
use veil_abi::{Errno, PAGE_SIZE};

use super::*;

const P: u64 = PAGE_SIZE;

/// A `MappingSpace` that records every invalidation it receives.
struct Recorder {
    id: u64,
    calls: Mutex<Vec<(AddrRange, InvalidateOpts)>>,
}

impl MappingSpace for Recorder {
    fn invalidate(&self, ar: AddrRange, opts: InvalidateOpts) {
        self.calls.lock().push((ar, opts));
    }

    fn id(&self) -> u64 {
        self.id
    }
}

impl Recorder {
    fn new(id: u64) -> (Arc<Recorder>, Arc<dyn MappingSpace>) {
        let rec = Arc::new(Recorder {
            id,
            calls: Mutex::new(Vec::new()),
        });
        let space: Arc<dyn MappingSpace> = rec.clone();
        (rec, space)
    }

    /// The guest ranges invalidated since the last call, in call order.
    fn take(&self) -> Vec<AddrRange> {
        self.calls.lock().drain(..).map(|(ar, _)| ar).collect()
    }
}

/// Pages `[a, b)` as an address range.
fn ar(a: u64, b: u64) -> AddrRange {
    AddrRange::new(a * P, b * P)
}

/// Pages `[a, b)` as a mappable range.
fn mr(a: u64, b: u64) -> MappableRange {
    MappableRange::new(a * P, b * P)
}

/// The mappings as `(space id, address pages, offset page, writable)`.
fn listing(set: &MappingSet) -> Vec<(u64, AddrRange, u64, bool)> {
    set.mappings()
        .into_iter()
        .map(|m| (m.space.id(), m.ar, m.offset / P, m.writable))
        .collect()
}

const OPTS: InvalidateOpts = InvalidateOpts {
    invalidate_private: false,
};

#[test]
fn ranges() {
    let r = mr(2, 6);
    assert_eq!(r.len(), 4 * P);
    assert!(r.contains(2 * P) && !r.contains(6 * P));
    assert_eq!(r.intersect(mr(4, 9)), mr(4, 6));
    assert!(r.intersect(mr(7, 9)).is_empty());
    assert!(r.overlaps(mr(5, 7)) && !r.overlaps(mr(6, 7)));
    assert!(r.is_superset_of(mr(3, 5)) && !r.is_superset_of(mr(5, 7)));
    assert!(r.is_page_aligned() && !MappableRange::new(1, P).is_page_aligned());
    assert_eq!(MappableRange::for_mapping(ar(10, 13), 5 * P), mr(5, 8));
    assert_eq!(format!("{}", ar(1, 2)), "[0x1000, 0x2000)");
}

#[test]
fn access_types() {
    assert!(AccessType::ANY.is_superset_of(AccessType::READ_WRITE));
    assert!(!AccessType::READ.is_superset_of(AccessType::WRITE));
    assert!(AccessType::READ.is_superset_of(AccessType::NONE));
    assert_eq!(
        AccessType::READ.union(AccessType::EXECUTE),
        AccessType::new(true, false, true)
    );
    assert_eq!(
        AccessType::ANY.intersect(AccessType::WRITE),
        AccessType::WRITE
    );
    assert!(AccessType::NONE.is_none());
    assert_eq!(
        AccessType::READ.union(AccessType::EXECUTE).to_string(),
        "r-x"
    );
}

#[test]
fn errors_map_to_errnos() {
    assert_eq!(Errno::from(MapError::Fault), Errno::EFAULT);
    assert_eq!(Errno::from(MapError::Bus), Errno::EFAULT);
    assert_eq!(MapError::OutOfMemory.errno(), Errno::ENOMEM);
    assert_eq!(MapError::Denied.errno(), Errno::EPERM);
    assert_eq!(MapError::Io.errno(), Errno::EIO);
    assert!(MapError::Bus.is_bus() && !MapError::Fault.is_bus());
    assert_eq!(
        MapError::from(crate::MemoryFileError::Exhausted),
        MapError::OutOfMemory
    );
}

#[test]
fn add_reports_first_mappings_and_remove_reports_last() {
    let (_, a) = Recorder::new(1);
    let (_, b) = Recorder::new(2);
    let mut set = MappingSet::new();
    assert!(set.is_empty());

    assert_eq!(set.add(&a, ar(100, 104), 0, false), vec![mr(0, 4)]);
    // b maps offsets 2..8: only 4..8 are new.
    assert_eq!(set.add(&b, ar(50, 56), 2 * P, false), vec![mr(4, 8)]);
    // a again, elsewhere, over 6..12 with a hole already covered: 8..12 new.
    assert_eq!(set.add(&a, ar(200, 206), 6 * P, false), vec![mr(8, 12)]);

    // Removing b leaves 0..4 (a), 6..12 (a): 4..6 unmapped.
    assert_eq!(set.remove(&b, ar(50, 56), 2 * P, false), vec![mr(4, 6)]);
    assert_eq!(set.remove(&a, ar(100, 104), 0, false), vec![mr(0, 4)]);
    assert_eq!(set.remove(&a, ar(200, 206), 6 * P, false), vec![mr(6, 12)]);
    assert!(set.is_empty());

    // Empty ranges are no-ops.
    assert!(set.add(&a, ar(3, 3), 0, false).is_empty());
    assert!(set.is_empty());
}

#[test]
fn remove_middle_splits_a_mapping() {
    let (rec, a) = Recorder::new(1);
    let mut set = MappingSet::new();
    set.add(&a, ar(100, 110), 20 * P, true);

    // munmap the middle pages 103..106 (offsets 23..26).
    assert_eq!(set.remove(&a, ar(103, 106), 23 * P, true), vec![mr(23, 26)]);
    assert_eq!(
        listing(&set),
        vec![(1, ar(100, 103), 20, true), (1, ar(106, 110), 26, true)]
    );

    // Invalidating across the hole reaches both ends, not the hole.
    set.invalidate(mr(22, 27), OPTS);
    assert_eq!(rec.take(), vec![ar(102, 103), ar(106, 107)]);

    // Removing the ends empties the set; re-adding the middle merges back into one.
    set.add(&a, ar(103, 106), 23 * P, true);
    assert_eq!(listing(&set), vec![(1, ar(100, 110), 20, true)]);
    assert_eq!(set.remove(&a, ar(100, 110), 20 * P, true), vec![mr(20, 30)]);
    assert!(set.is_empty());
}

#[test]
fn invalidate_reaches_exact_subranges_of_each_space() {
    let (ra, a) = Recorder::new(1);
    let (rb, b) = Recorder::new(2);
    let (rc, c) = Recorder::new(3);
    let mut set = MappingSet::new();
    // a maps offsets 0..10 at pages 100..110.
    set.add(&a, ar(100, 110), 0, false);
    // b maps offsets 4..8 at pages 500..504.
    set.add(&b, ar(500, 504), 4 * P, true);
    // c maps offsets 12..16 at pages 7..11: no overlap with what we invalidate.
    set.add(&c, ar(7, 11), 12 * P, false);

    let opts = InvalidateOpts {
        invalidate_private: true,
    };
    set.invalidate(mr(3, 6), opts);
    assert_eq!(
        *ra.calls.lock(),
        vec![(ar(103, 106), opts)],
        "a: offsets 3..6 at 100+3"
    );
    assert_eq!(rb.take(), vec![ar(500, 502)], "b: offsets 4..6 at 500+0");
    assert!(rc.take().is_empty(), "c maps none of 3..6");
    ra.take();

    // A range ending inside a segment and one past all mappings.
    set.invalidate(mr(7, 14), OPTS);
    assert_eq!(ra.take(), vec![ar(107, 110)]);
    assert_eq!(rb.take(), vec![ar(503, 504)]);
    assert_eq!(rc.take(), vec![ar(7, 9)]);

    // Unmapped and empty ranges reach no one.
    set.invalidate(mr(10, 12), OPTS);
    set.invalidate(mr(20, 30), OPTS);
    set.invalidate(mr(5, 5), OPTS);
    assert!(ra.take().is_empty() && rb.take().is_empty() && rc.take().is_empty());
}

#[test]
fn one_space_mapping_the_same_offsets_twice_is_invalidated_twice() {
    let (rec, a) = Recorder::new(1);
    let mut set = MappingSet::new();
    set.add(&a, ar(100, 104), 0, false);
    set.add(&a, ar(300, 304), 0, false);
    // Adjacent in offsets and, with another mapping, adjacent in addresses but not with
    // the same bias: must not be joined into one range.
    set.add(&a, ar(104, 106), 8 * P, false);
    set.invalidate(mr(1, 10), OPTS);
    assert_eq!(rec.take(), vec![ar(101, 104), ar(104, 106), ar(301, 304)]);
}

#[test]
fn invalidate_all_reaches_every_mapping_whole() {
    let (ra, a) = Recorder::new(1);
    let (rb, b) = Recorder::new(2);
    let mut set = MappingSet::new();
    set.add(&a, ar(100, 110), 0, false);
    set.add(&b, ar(20, 24), 2 * P, true);
    set.add(&b, ar(40, 42), 30 * P, false);
    set.invalidate_all(OPTS);
    // a's mapping is cut into three segments by b; it still gets one call.
    assert_eq!(ra.take(), vec![ar(100, 110)]);
    assert_eq!(rb.take(), vec![ar(20, 24), ar(40, 42)]);

    MappingSet::new().invalidate_all(OPTS);
}

#[test]
fn overlapping_mappings_by_two_spaces() {
    let (ra, a) = Recorder::new(1);
    let (rb, b) = Recorder::new(2);
    let mut set = MappingSet::new();
    // a: offsets 0..8 at 10..18; b: offsets 4..12 at 60..68.
    set.add(&a, ar(10, 18), 0, false);
    assert_eq!(set.add(&b, ar(60, 68), 4 * P, false), vec![mr(8, 12)]);
    assert_eq!(
        listing(&set),
        vec![(1, ar(10, 18), 0, false), (2, ar(60, 68), 4, false)]
    );

    set.invalidate(mr(6, 10), OPTS);
    assert_eq!(ra.take(), vec![ar(16, 18)]);
    assert_eq!(rb.take(), vec![ar(62, 66)]);

    // Unmapping a's part of the overlap keeps it mapped by b: nothing becomes unmapped.
    assert!(set.remove(&a, ar(14, 18), 4 * P, false).is_empty());
    // Then b's first half leaves 4..8 unmapped.
    assert_eq!(set.remove(&b, ar(60, 64), 4 * P, false), vec![mr(4, 8)]);
    assert_eq!(
        listing(&set),
        vec![(1, ar(10, 14), 0, false), (2, ar(64, 68), 8, false)]
    );
}

#[test]
fn writable_tracking() {
    let (_, a) = Recorder::new(1);
    let (_, b) = Recorder::new(2);
    let mut set = MappingSet::new();
    set.add(&a, ar(10, 14), 0, false);
    set.add(&b, ar(20, 22), 2 * P, true);
    assert!(!set.has_writable_mapping(mr(0, 2)));
    assert!(set.has_writable_mapping(mr(0, 3)));
    assert!(set.has_writable_mapping(mr(3, 100)));
    assert!(!set.has_writable_mapping(mr(4, 100)));
    assert!(!set.has_writable_mapping(mr(3, 3)));

    // A removal must name the writability it was added with.
    assert!(set.remove(&b, ar(20, 22), 2 * P, false).is_empty());
    assert!(set.has_writable_mapping(mr(0, 4)));
    set.remove(&b, ar(20, 22), 2 * P, true);
    assert!(!set.has_writable_mapping(mr(0, 4)));

    // Adjacent pieces that differ only in writability stay separate mappings.
    set.add(&b, ar(30, 32), 0, true);
    set.add(&b, ar(32, 34), 2 * P, false);
    assert_eq!(
        listing(&set),
        vec![
            (1, ar(10, 14), 0, false),
            (2, ar(30, 32), 0, true),
            (2, ar(32, 34), 2, false)
        ]
    );
}

#[test]
fn copy_up_moves_every_mapping_to_the_upper_set() {
    let (ra, a) = Recorder::new(1);
    let (rb, b) = Recorder::new(2);
    let mut lower = MappingSet::new();
    lower.add(&a, ar(100, 108), 0, false);
    lower.add(&b, ar(200, 204), 4 * P, true);
    lower.add(&a, ar(300, 302), 20 * P, true);
    lower.remove(&a, ar(102, 104), 2 * P, false);

    let mappings = lower.mappings();
    assert_eq!(
        listing(&lower),
        vec![
            (1, ar(100, 102), 0, false),
            (1, ar(104, 108), 4, false),
            (2, ar(200, 204), 4, true),
            (1, ar(300, 302), 20, true),
        ]
    );
    let covering_offset_5: Vec<_> = mappings
        .iter()
        .filter_map(|m| m.addr_range_of(mr(5, 6)))
        .collect();
    assert_eq!(covering_offset_5, vec![ar(105, 106), ar(201, 202)]);

    // Step 5: add each to the upper, invalidate, remove from the lower.
    let mut upper = MappingSet::new();
    for m in &mappings {
        upper.add(&m.space, m.ar, m.offset, m.writable);
    }
    lower.invalidate_all(OPTS);
    for m in &mappings {
        lower.remove(&m.space, m.ar, m.offset, m.writable);
    }
    assert!(lower.is_empty());
    assert_eq!(ra.take(), vec![ar(100, 102), ar(104, 108), ar(300, 302)]);
    assert_eq!(rb.take(), vec![ar(200, 204)]);
    assert_eq!(listing(&upper), listing_of(&mappings));
    assert!(upper.has_writable_mapping(mr(20, 21)));
}

fn listing_of(mappings: &[Mapping]) -> Vec<(u64, AddrRange, u64, bool)> {
    mappings
        .iter()
        .map(|m| (m.space.id(), m.ar, m.offset / P, m.writable))
        .collect()
}

#[test]
fn mapping_addr_range_of() {
    let (_, a) = Recorder::new(1);
    let m = Mapping {
        space: a,
        ar: ar(100, 110),
        offset: 20 * P,
        writable: false,
    };
    assert_eq!(m.addr_range_of(mr(18, 22)), Some(ar(100, 102)));
    assert_eq!(m.addr_range_of(mr(25, 40)), Some(ar(105, 110)));
    assert_eq!(m.addr_range_of(mr(30, 40)), None);
    assert!(format!("{m:?}").contains("0x14000"));
}

/// A trivial Mappable, to check the trait is object-safe and its defaults behave.
struct Zeroes {
    maps: Mutex<MappingSet>,
}

impl Mappable for Zeroes {
    fn add_mapping(
        &self,
        space: &Arc<dyn MappingSpace>,
        ar: AddrRange,
        offset: u64,
        writable: bool,
    ) -> Result<(), MapError> {
        self.maps.lock().add(space, ar, offset, writable);
        Ok(())
    }

    fn remove_mapping(
        &self,
        space: &Arc<dyn MappingSpace>,
        ar: AddrRange,
        offset: u64,
        writable: bool,
    ) {
        self.maps.lock().remove(space, ar, offset, writable);
    }

    fn translate(
        &self,
        required: MappableRange,
        _optional: MappableRange,
        at: AccessType,
    ) -> Result<Vec<Translation>, MapError> {
        if required.end > 16 * P {
            return Err(MapError::Bus);
        }
        Ok(vec![Translation {
            source: required,
            file: crate::FileRange {
                start: 0,
                end: required.len(),
            },
            perms: at,
        }])
    }
}

#[test]
fn mappable_defaults() {
    let (_, a) = Recorder::new(1);
    let file: Arc<dyn Mappable> = Arc::new(Zeroes {
        maps: Mutex::new(MappingSet::new()),
    });
    file.copy_mapping(&a, ar(0, 0), ar(40, 42), 2 * P, false)
        .unwrap();
    assert_eq!(file.invalidate_unsavable(), Ok(()));
    let t = file
        .translate(mr(2, 3), mr(0, 16), AccessType::READ)
        .unwrap();
    assert_eq!(t[0].file_offset_of(2 * P + 5), 5);
    assert_eq!(
        file.translate(mr(16, 17), mr(16, 17), AccessType::READ),
        Err(MapError::Bus)
    );
    file.remove_mapping(&a, ar(40, 42), 2 * P, false);
}

/// A page-by-page reference model: `(space, address page) → (offset page, writable)`.
type Model = std::collections::BTreeMap<(u64, u64), (u64, bool)>;

/// The offset pages the model maps, each once.
fn model_offsets(model: &Model) -> std::collections::BTreeSet<u64> {
    model.values().map(|&(off, _)| off).collect()
}

/// Expands ranges to the pages they hold, checking they are sorted, disjoint and maximal.
fn pages_of(ranges: &[MappableRange]) -> std::collections::BTreeSet<u64> {
    for w in ranges.windows(2) {
        assert!(w[0].end < w[1].start, "not sorted/maximal: {ranges:?}");
    }
    ranges.iter().flat_map(|r| r.start / P..r.end / P).collect()
}

/// A small deterministic generator (xorshift), so failures replay.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn random_operations_match_a_page_model() {
    const SPACES: u64 = 3;
    const ADDR_PAGES: u64 = 48;
    const OFFSET_PAGES: u64 = 24;
    let recorders: Vec<_> = (0..SPACES).map(Recorder::new).collect();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut set = MappingSet::new();
    let mut model = Model::new();

    for step in 0..4000 {
        let s = rng.below(SPACES);
        let space = &recorders[s as usize].1;
        let before = model_offsets(&model);
        match rng.below(3) {
            // Add a mapping where this space maps nothing yet.
            0 => {
                let len = 1 + rng.below(6);
                let a = rng.below(ADDR_PAGES - len);
                let o = rng.below(OFFSET_PAGES - len);
                let w = rng.below(2) == 0;
                if (a..a + len).any(|p| model.contains_key(&(s, p))) {
                    continue;
                }
                let newly = set.add(space, ar(a, a + len), o * P, w);
                for i in 0..len {
                    model.insert((s, a + i), (o + i, w));
                }
                let after = model_offsets(&model);
                let expected: std::collections::BTreeSet<u64> =
                    after.difference(&before).copied().collect();
                assert_eq!(pages_of(&newly), expected, "add, step {step}");
            }
            // Remove part of a run of this space's pages that one add could have made.
            1 => {
                let a = rng.below(ADDR_PAGES);
                let Some(&(o, w)) = model.get(&(s, a)) else {
                    continue;
                };
                let mut len = 1;
                let want = 1 + rng.below(6);
                while len < want && model.get(&(s, a + len)) == Some(&(o + len, w)) {
                    len += 1;
                }
                let unmapped = set.remove(space, ar(a, a + len), o * P, w);
                for i in 0..len {
                    model.remove(&(s, a + i));
                }
                let after = model_offsets(&model);
                let expected: std::collections::BTreeSet<u64> =
                    before.difference(&after).copied().collect();
                assert_eq!(pages_of(&unmapped), expected, "remove, step {step}");
            }
            // Invalidate a range of offsets: every space gets exactly its pages.
            _ => {
                let lo = rng.below(OFFSET_PAGES);
                let hi = lo + rng.below(OFFSET_PAGES - lo + 1);
                set.invalidate(mr(lo, hi), OPTS);
                for (rec, _) in &recorders {
                    let mut got = Vec::new();
                    for r in rec.take() {
                        assert!(!r.is_empty(), "empty invalidation, step {step}");
                        got.extend(r.start / P..r.end / P);
                    }
                    let mut expected: Vec<u64> = model
                        .iter()
                        .filter(|(&(sp, _), &(off, _))| sp == rec.id && (lo..hi).contains(&off))
                        .map(|(&(_, page), _)| page)
                        .collect();
                    got.sort_unstable();
                    expected.sort_unstable();
                    assert_eq!(got, expected, "invalidate, step {step}");
                }
            }
        }
        set.check_invariants();
        // The listing expands to exactly the model.
        let mut listed = Model::new();
        for m in set.mappings() {
            for i in 0..m.ar.len() / P {
                let prev = listed.insert(
                    (m.space.id(), m.ar.start / P + i),
                    (m.offset / P + i, m.writable),
                );
                assert!(prev.is_none(), "page listed twice, step {step}");
            }
        }
        assert_eq!(listed, model, "mappings, step {step}");
        assert_eq!(set.is_empty(), model.is_empty());
    }
}
