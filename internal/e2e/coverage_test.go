package e2e

import (
	"testing"

	"thematic/internal/demo"
	"thematic/internal/testenv"
)

// The coverage page of the demo review, axe-checked: from the evidence base, a thin threshold
// refused then set, and a count followed to the notes it counts.
func TestJourneyCoverage(t *testing.T) {
	t.Parallel()
	env := testenv.New(t)
	b := newB(t, env)
	review := evDemoReview(t, env)
	b.signIn("lead@demo.test", demo.Password)
	b.Visit("/reviews/" + review + "/evidence")
	b.ClickLink("Coverage")
	b.Expect("Coverage of the evidence")
	b.Expect("Notes by area and action area")

	b.Fill("threshold", "many")
	b.Submit("form[action$='/coverage/threshold'] button[type=submit]")
	b.Expect("There is a problem")
	b.Expect("Threshold must be a whole number")
	if v, _ := b.value("threshold"); v != "many" {
		t.Fatalf("threshold field = %q after the error, want what was typed", v)
	}
	b.Fill("threshold", "1000")
	b.Submit("form[action$='/coverage/threshold'] button[type=submit]")
	b.Expect("Threshold for thin cells set to 1000")
	b.Expect("36 of 36 cells are thin")

	b.Visit("/reviews/" + review + "/")
	b.ClickLink("Coverage of the evidence")
	b.ClickLink("Lines of enquiry")
	b.Expect("Notes by area and line of enquiry")
	b.ClickLink("Themes")
	b.Expect("Themes by number of notes")
}
