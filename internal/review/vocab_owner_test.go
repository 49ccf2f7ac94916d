package review

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestMergeNeedsEveryOwnerOfTheList: a list whose values other packages' rows name is merged only
// when each of those packages has said how to re-point its rows.
func TestMergeNeedsEveryOwnerOfTheList(t *testing.T) {
	saved := repointers
	t.Cleanup(func() { repointers = saved })
	repointers = map[VocabKind][]repointer{}
	if got := unregistered(VocabSources); !slices.Equal(got, []string{"evidence"}) {
		t.Errorf("sources with nothing registered: missing %v, want [evidence]", got)
	}
	if got := unregistered(VocabInspectorates); !slices.Equal(got, []string{"visit"}) {
		t.Errorf("inspectorates with nothing registered: missing %v, want [visit]", got)
	}
	RegisterRepoint(VocabSources, "evidence", func(context.Context, pgx.Tx, string, string, string, string) ([]string, error) {
		return nil, nil
	})
	if got := unregistered(VocabSources); len(got) > 0 {
		t.Errorf("sources with evidence registered: missing %v", got)
	}
	for k := range vocabTables {
		for _, o := range vocabTables[k].owners {
			if o == "review" {
				t.Errorf("%s names review as an owner to register: its own rows are in merges", k)
			}
		}
	}
}
