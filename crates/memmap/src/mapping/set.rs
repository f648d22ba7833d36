//! [`MappingSet`]: which spaces map which offsets of a Mappable.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use super::{AddrRange, InvalidateOpts, MappableRange, MappingSpace};

/// One mapping of a Mappable: `space` maps the offsets `[offset, offset + ar.len())` at
/// the guest addresses `ar`, writable or not. What [`MappingSet::mappings`] lists, and
/// what the arguments of [`MappingSet::add`] describe.
#[derive(Clone)]
pub struct Mapping {
    /// The space that maps.
    pub space: Arc<dyn MappingSpace>,
    /// The guest addresses, page-aligned and non-empty.
    pub ar: AddrRange,
    /// The Mappable offset mapped at `ar.start`, page-aligned.
    pub offset: u64,
    /// Whether the mapping is shared and writable.
    pub writable: bool,
}

impl Mapping {
    /// The Mappable offsets this mapping maps.
    pub const fn mappable_range(&self) -> MappableRange {
        MappableRange::for_mapping(self.ar, self.offset)
    }

    /// The guest addresses at which this mapping maps the offsets of `mr` it contains, or
    /// `None` when it maps none of them.
    pub fn addr_range_of(&self, mr: MappableRange) -> Option<AddrRange> {
        let mapped = self.mappable_range().intersect(mr);
        if mapped.is_empty() {
            return None;
        }
        let start = self.ar.start + (mapped.start - self.offset);
        Some(AddrRange::new(start, start + mapped.len()))
    }
}

impl fmt::Debug for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mapping")
            .field("space", &self.space.id())
            .field("ar", &format_args!("{}", self.ar))
            .field("offset", &format_args!("{:#x}", self.offset))
            .field("writable", &self.writable)
            .finish()
    }
}

/// The mappings of one Mappable, kept by it to answer "who maps these offsets, and
/// where?" when it must invalidate translations.
///
/// # Representation
///
/// The offsets are cut into disjoint *segments* (a `BTreeMap` from start offset to
/// segment) such that the same set of mappings covers every offset of a segment. Each
/// mapping is recorded in each of its segments as a *piece*: its space, whether it is
/// writable, and its *bias* `address − offset` (wrapping), which is the same for every
/// offset of the mapping — so splitting a segment just copies its pieces, and two
/// adjacent segments holding equal pieces are merged back. Unmapped offsets have no
/// segment; segments are never empty.
///
/// # Complexity
///
/// With `S` segments and `k` segments touched, each holding at most `m` pieces:
/// [`add`](Self::add) and [`remove`](Self::remove) are `O(log S + k·(m + log S))`;
/// [`invalidate`](Self::invalidate) is `O(log S + k·m·log m)` plus one
/// [`MappingSpace::invalidate`] call per affected mapping; [`mappings`](Self::mappings)
/// is `O(P log P)` for `P` pieces in all. `S` is at most twice the number of distinct
/// mapping boundaries.
///
/// # Locking
///
/// A plain struct, not internally locked: it lives under its Mappable's maps lock, and
/// every method runs with that lock held. [`invalidate`](Self::invalidate) and
/// [`invalidate_all`](Self::invalidate_all) call into the spaces with it held.
///
/// # Preconditions
///
/// Ranges are page-aligned; a space never maps two things at one address, so two
/// mappings of one space never share addresses; [`remove`](Self::remove) undoes (part
/// of) an earlier [`add`](Self::add).
#[derive(Default)]
pub struct MappingSet {
    /// Segment start → segment. Disjoint; adjacent segments have different pieces.
    segments: BTreeMap<u64, Segment>,
}

/// The part of a mapping inside one segment.
#[derive(Clone)]
struct Piece {
    /// `space.id()`, cached.
    id: u64,
    /// Guest address minus Mappable offset, wrapping.
    bias: u64,
    writable: bool,
    space: Arc<dyn MappingSpace>,
}

/// How pieces are told apart and ordered within a segment.
type PieceKey = (u64, u64, bool);

impl Piece {
    fn new(space: &Arc<dyn MappingSpace>, ar: AddrRange, offset: u64, writable: bool) -> Piece {
        Piece {
            id: space.id(),
            bias: ar.start.wrapping_sub(offset),
            writable,
            space: Arc::clone(space),
        }
    }

    fn key(&self) -> PieceKey {
        (self.id, self.bias, self.writable)
    }

    /// The guest address at which this piece's mapping maps `offset`.
    fn addr(&self, offset: u64) -> u64 {
        offset.wrapping_add(self.bias)
    }

    /// The guest addresses at which this piece's mapping maps `mr`.
    fn addr_range(&self, mr: MappableRange) -> AddrRange {
        AddrRange::new(self.addr(mr.start), self.addr(mr.end))
    }
}

/// Offsets `[start, end)` (start is the map key) and the mappings covering all of them.
struct Segment {
    end: u64,
    /// Sorted by key, no duplicates, never empty.
    pieces: Vec<Piece>,
}

impl Segment {
    fn insert(&mut self, piece: &Piece) {
        if let Err(i) = self.pieces.binary_search_by_key(&piece.key(), Piece::key) {
            self.pieces.insert(i, piece.clone());
        }
    }

    fn remove(&mut self, key: PieceKey) {
        if let Ok(i) = self.pieces.binary_search_by_key(&key, Piece::key) {
            self.pieces.remove(i);
        }
    }

    fn same_pieces(&self, other: &Segment) -> bool {
        self.pieces.len() == other.pieces.len()
            && self
                .pieces
                .iter()
                .zip(&other.pieces)
                .all(|(a, b)| a.key() == b.key())
    }
}

impl MappingSet {
    /// An empty set.
    pub fn new() -> MappingSet {
        MappingSet::default()
    }

    /// Whether nothing maps the Mappable.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// Records that `space` maps the offsets `[offset, offset + ar.len())` at `ar`, and
    /// returns the offset ranges nobody mapped before (sorted, disjoint, maximal): where
    /// a Mappable may need to start tracking pages. An empty `ar` is a no-op.
    ///
    /// Preconditions: as for the type; `space` maps nothing else at `ar`.
    pub fn add(
        &mut self,
        space: &Arc<dyn MappingSpace>,
        ar: AddrRange,
        offset: u64,
        writable: bool,
    ) -> Vec<MappableRange> {
        let mr = MappableRange::for_mapping(ar, offset);
        if mr.is_empty() {
            return Vec::new();
        }
        let piece = Piece::new(space, ar, offset, writable);
        self.split_at(mr.start);
        self.split_at(mr.end);
        // After the splits, the segments starting in `mr` are exactly those inside it.
        let mut newly_mapped = Vec::new();
        let mut cursor = mr.start;
        for (&start, seg) in self.segments.range_mut(mr.start..mr.end) {
            if cursor < start {
                newly_mapped.push(MappableRange::new(cursor, start));
            }
            seg.insert(&piece);
            cursor = seg.end;
        }
        if cursor < mr.end {
            newly_mapped.push(MappableRange::new(cursor, mr.end));
        }
        for gap in &newly_mapped {
            let seg = Segment {
                end: gap.end,
                pieces: vec![piece.clone()],
            };
            self.segments.insert(gap.start, seg);
        }
        self.merge_range(mr.start, mr.end);
        newly_mapped
    }

    /// Records that `space` no longer maps `ar` (mapped at `offset`, `writable` as when
    /// added), and returns the offset ranges nobody maps any more (sorted, disjoint,
    /// maximal): where a Mappable may drop page tracking. Removing the middle of a
    /// mapping leaves its two ends mapped. Parts of `ar` that were not so mapped are
    /// ignored. An empty `ar` is a no-op.
    pub fn remove(
        &mut self,
        space: &Arc<dyn MappingSpace>,
        ar: AddrRange,
        offset: u64,
        writable: bool,
    ) -> Vec<MappableRange> {
        let mr = MappableRange::for_mapping(ar, offset);
        if mr.is_empty() {
            return Vec::new();
        }
        let key = Piece::new(space, ar, offset, writable).key();
        self.split_at(mr.start);
        self.split_at(mr.end);
        let mut unmapped: Vec<MappableRange> = Vec::new();
        let mut emptied = Vec::new();
        for (&start, seg) in self.segments.range_mut(mr.start..mr.end) {
            seg.remove(key);
            if seg.pieces.is_empty() {
                emptied.push(start);
                match unmapped.last_mut() {
                    Some(last) if last.end == start => last.end = seg.end,
                    _ => unmapped.push(MappableRange::new(start, seg.end)),
                }
            }
        }
        for start in emptied {
            self.segments.remove(&start);
        }
        self.merge_range(mr.start, mr.end);
        unmapped
    }

    /// Calls [`MappingSpace::invalidate`] on every space mapping any offset of `mr`, once
    /// per mapping, with exactly the guest addresses at which that mapping maps `mr`.
    /// Calls are ordered by space id, then address.
    ///
    /// Locking: the caller holds its maps lock (which guards `self`); see
    /// [`MappingSpace::invalidate`] for what the spaces may do under it.
    pub fn invalidate(&self, mr: MappableRange, opts: InvalidateOpts) {
        for (space, ar) in self.invalidation_targets(mr) {
            space.invalidate(ar, opts);
        }
    }

    /// [`invalidate`](Self::invalidate) for every offset: each mapping's whole range.
    pub fn invalidate_all(&self, opts: InvalidateOpts) {
        self.invalidate(MappableRange::new(0, u64::MAX), opts);
    }

    /// Whether a writable mapping covers any offset of `mr` (e.g. to refuse
    /// `F_SEAL_WRITE` with `EBUSY`).
    pub fn has_writable_mapping(&self, mr: MappableRange) -> bool {
        self.overlapping(mr)
            .any(|(_, seg)| seg.pieces.iter().any(|p| p.writable))
    }

    /// Every mapping, each reassembled whole from its segments, sorted by offset, then
    /// space id, then address. Copy-up uses it to add each mapping of the lower file to
    /// the upper file before invalidating and removing them from the lower.
    ///
    /// Two adjacent mappings of one space with matching addresses, offsets and
    /// writability are indistinguishable here and listed as one.
    pub fn mappings(&self) -> Vec<Mapping> {
        let mut open: BTreeMap<PieceKey, Mapping> = BTreeMap::new();
        let mut done = Vec::new();
        for (&start, seg) in &self.segments {
            let mr = MappableRange::new(start, seg.end);
            for piece in &seg.pieces {
                let ar = piece.addr_range(mr);
                let whole = |ar| Mapping {
                    space: Arc::clone(&piece.space),
                    ar,
                    offset: start,
                    writable: piece.writable,
                };
                match open.entry(piece.key()) {
                    Entry::Occupied(mut e) if e.get().ar.end == ar.start => {
                        e.get_mut().ar.end = ar.end
                    }
                    Entry::Occupied(mut e) => done.push(std::mem::replace(e.get_mut(), whole(ar))),
                    Entry::Vacant(e) => {
                        e.insert(whole(ar));
                    }
                }
            }
        }
        done.extend(open.into_values());
        done.sort_by_key(|m| (m.offset, m.space.id(), m.ar.start));
        done
    }

    /// The segments sharing offsets with `mr`, in order.
    fn overlapping(&self, mr: MappableRange) -> impl Iterator<Item = (u64, &Segment)> {
        // `BTreeMap::range` panics on a reversed range; an empty `mr` overlaps nothing.
        let (lo, hi) = if mr.is_empty() {
            (0, 0)
        } else {
            (mr.start, mr.end)
        };
        let before = self
            .segments
            .range(..lo)
            .next_back()
            .filter(|(_, seg)| seg.end > lo && lo < hi);
        before
            .into_iter()
            .chain(self.segments.range(lo..hi))
            .map(|(&start, seg)| (start, seg))
    }

    /// The (space, guest range) pairs [`invalidate`](Self::invalidate) calls: the pieces
    /// of each mapping over `mr`, joined across segments.
    fn invalidation_targets(&self, mr: MappableRange) -> Vec<(Arc<dyn MappingSpace>, AddrRange)> {
        // Keyed by (space id, bias): one mapping's pieces in consecutive segments have
        // consecutive addresses; a later piece that does not continue the open range is
        // another mapping of the same space.
        let mut open: BTreeMap<(u64, u64), (Arc<dyn MappingSpace>, AddrRange)> = BTreeMap::new();
        let mut done = Vec::new();
        for (start, seg) in self.overlapping(mr) {
            let sub = MappableRange::new(start, seg.end).intersect(mr);
            for piece in &seg.pieces {
                let ar = piece.addr_range(sub);
                match open.entry((piece.id, piece.bias)) {
                    Entry::Occupied(mut e) if e.get().1.end == ar.start => {
                        e.get_mut().1.end = ar.end
                    }
                    Entry::Occupied(mut e) => done.push(std::mem::replace(
                        e.get_mut(),
                        (Arc::clone(&piece.space), ar),
                    )),
                    Entry::Vacant(e) => {
                        e.insert((Arc::clone(&piece.space), ar));
                    }
                }
            }
        }
        done.extend(open.into_values());
        done.sort_by_key(|(space, ar)| (space.id(), ar.start));
        done
    }

    /// Cuts the segment containing `at` (if any, and unless `at` is its start) in two.
    fn split_at(&mut self, at: u64) {
        let Some((_, seg)) = self.segments.range_mut(..at).next_back() else {
            return;
        };
        if seg.end <= at {
            return;
        }
        let tail = Segment {
            end: seg.end,
            pieces: seg.pieces.clone(),
        };
        seg.end = at;
        self.segments.insert(at, tail);
    }

    /// Merges each segment starting in `[lo, hi]` into its predecessor when they are
    /// adjacent and hold the same pieces, restoring the representation's invariant after
    /// `add` or `remove` changed `[lo, hi)`.
    fn merge_range(&mut self, lo: u64, hi: u64) {
        let starts: Vec<u64> = self.segments.range(lo..=hi).map(|(&s, _)| s).collect();
        for start in starts {
            let Some((&prev_start, prev)) = self.segments.range(..start).next_back() else {
                continue;
            };
            let mergeable = prev.end == start
                && self
                    .segments
                    .get(&start)
                    .is_some_and(|seg| prev.same_pieces(seg));
            if !mergeable {
                continue;
            }
            if let Some(seg) = self.segments.remove(&start) {
                if let Some(prev) = self.segments.get_mut(&prev_start) {
                    prev.end = seg.end;
                }
            }
        }
    }
}

#[cfg(test)]
impl MappingSet {
    /// Panics unless the representation's invariants hold: segments disjoint, non-empty,
    /// pieces sorted and unique, and adjacent segments holding different pieces.
    pub(super) fn check_invariants(&self) {
        let mut prev: Option<(u64, &Segment)> = None;
        for (&start, seg) in &self.segments {
            assert!(start < seg.end, "empty segment at {start:#x}");
            assert!(
                !seg.pieces.is_empty(),
                "segment without pieces at {start:#x}"
            );
            assert!(
                seg.pieces.windows(2).all(|w| w[0].key() < w[1].key()),
                "pieces unsorted at {start:#x}"
            );
            if let Some((_, p)) = prev {
                assert!(p.end <= start, "overlapping segments at {start:#x}");
                assert!(
                    p.end < start || !p.same_pieces(seg),
                    "unmerged segments at {start:#x}: {self:?}"
                );
            }
            prev = Some((start, seg));
        }
    }
}

impl fmt::Debug for MappingSet {
    /// Each segment as `[start, end) → [(space id, address of start, writable), …]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.segments.iter().map(|(&start, seg)| {
                let range = MappableRange::new(start, seg.end);
                let pieces: Vec<_> = seg
                    .pieces
                    .iter()
                    .map(|p| (p.id, format!("{:#x}", p.addr(start)), p.writable))
                    .collect();
                (format!("{range}"), pieces)
            }))
            .finish()
    }
}
