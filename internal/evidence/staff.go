package evidence

import (
	"sync"

	"thematic/internal/personal"
)

// staffVersionSQL is the version of the names of review $2's people (migration 00035): the
// review's own, moved when its members or invited people change, and the generation moved when
// anyone is renamed. Names read under a version stay true until it moves. The database's name is
// part of it: tests run many databases, cloned with the same ids, from one process.
const staffVersionSQL = `(SELECT current_database() || '.' || r.staff_version::text || '.' || g.n::text
	FROM reviews r, staff_names_generation g WHERE r.tenant_id = $1 AND r.id = $2)`

// staffCacheMax bounds the reviews whose people's names a server keeps; past it the cache starts
// again (each review's names are read once more on its next save).
const staffCacheMax = 5000

// staffCache keeps, for each review a note was saved to, the personal data detector built from
// its people's names and the version they were read under. A save reads the version in its checks
// and the names only when the version differs, so every save is checked against the names as they
// stand in its own snapshot without reading hundreds of names each time. Each server process has
// its own; the version makes that safe with several.
var staffCache = struct {
	sync.Mutex
	m map[string]staffEntry
}{m: map[string]staffEntry{}}

type staffEntry struct {
	version string
	d       *personal.Detector
}

// cachedStaff is the detector kept for the review and its version ("" when none is kept).
func cachedStaff(tenantID, reviewID string) (string, *personal.Detector) {
	staffCache.Lock()
	defer staffCache.Unlock()
	e := staffCache.m[tenantID+"/"+reviewID]
	return e.version, e.d
}

// keepStaff builds the detector for names read under version and keeps it for the review.
func keepStaff(tenantID, reviewID, version string, names []string) *personal.Detector {
	d := personal.New(names, nil)
	staffCache.Lock()
	defer staffCache.Unlock()
	if len(staffCache.m) >= staffCacheMax {
		staffCache.m = map[string]staffEntry{}
	}
	staffCache.m[tenantID+"/"+reviewID] = staffEntry{version: version, d: d}
	return d
}
