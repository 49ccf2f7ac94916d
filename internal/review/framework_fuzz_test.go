package review_test

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"thematic/internal/review"
)

// FuzzParseFramework checks that ParseFile never panics, that a framework it accepts is written
// by MarshalFile as a file it reads back to the same framework, and that a refused file gives a
// *ProblemsError listing problems that each have a path and a message (or, for a read failure,
// an error with a message).
func FuzzParseFramework(f *testing.F) {
	ts, err := review.Templates()
	if err != nil {
		f.Fatal(err)
	}
	for _, tpl := range ts {
		fw, probs := tpl.Framework.Check()
		if len(probs) > 0 {
			f.Fatalf("template framework has problems: %v", probs)
		}
		b, err := fw.MarshalFile()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format":"thematic-framework","version":1,"groups":[{"title":"G","action_areas":[{"title":"A"}]}]}`))
	f.Add([]byte(`{"format":"thematic-framework","version":1,"groups":[{"title":" G ","action_areas":[{"title":"A","quote":"Q","citation":"C"}]}]}`))
	f.Add([]byte(`{"format":"thematic-framework","version":1,"groups":[{"title":"G","action_areas":[{"title":"A","quote":"Q"}]}]}`))
	f.Add([]byte(`{"format":"thematic-framework","version":1,"groups":[{"title":"G","action_areas":[{"title":"A"}]}]} {}`))
	f.Add([]byte(`{"format":"thematic-framework","version":"1","groups":[]}`))
	f.Add([]byte(`{"format":"thematic-framework","version":1,"groups":[{"title":"","action_areas":[]}],"extra":1}`))
	f.Add([]byte(`{"groups":[{"action_areas":[{"title":5}]}]}`))
	f.Add([]byte(`{"format":"thematic-framework","version":1,"groups":[{"title":"\u00e9\ud800","action_areas":[{"title":"A"}]}]}`))
	f.Add([]byte(""))
	f.Add([]byte("{"))
	f.Add([]byte("\xff\xfe"))
	f.Add([]byte("[1,2]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		fw, err := review.ParseFile(bytes.NewReader(data))
		if err != nil {
			var pe *review.ProblemsError
			if !errors.As(err, &pe) {
				if err.Error() == "" {
					t.Fatalf("error %T without a message", err)
				}
				return
			}
			if len(pe.Problems) == 0 {
				t.Fatal("ProblemsError without problems")
			}
			for _, p := range pe.Problems {
				if p.Path == "" || p.Message == "" {
					t.Fatalf("problem without a path or message: %+v", p)
				}
			}
			if !reflect.DeepEqual(fw, review.Framework{}) {
				t.Fatal("a refused file still gave a framework")
			}
			return
		}
		if fw.AreaCount() == 0 {
			t.Fatal("an accepted framework has no action areas")
		}
		b, err := fw.MarshalFile()
		if err != nil {
			t.Fatalf("MarshalFile: %v", err)
		}
		again, err := review.ParseFile(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("the marshalled framework is refused: %v\n%s", err, b)
		}
		if !reflect.DeepEqual(fw, again) {
			t.Fatalf("round trip changed the framework:\n%+v\n%+v", fw, again)
		}
	})
}
