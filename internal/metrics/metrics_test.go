package metrics

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestCountsAndLabels: a failed attempt is counted as failed, the last one as given up too; an
// odd method and a request of no route get fixed labels; a nil *Metrics counts nothing quietly.
func TestCountsAndLabels(t *testing.T) {
	t.Parallel()
	m := New(nil, nil) // the collectors that read the pool are not scraped here
	relay := errors.New("relay says no")
	m.MailDelivered("invitation", nil, false)
	m.MailDelivered("invitation", relay, false)
	m.MailDelivered("invitation", relay, true)
	for name, c := range map[string]struct {
		got  float64
		want float64
	}{
		"sent":     {testutil.ToFloat64(m.mailSent.WithLabelValues("invitation")), 1},
		"failed":   {testutil.ToFloat64(m.mailFailed.WithLabelValues("invitation")), 2},
		"given up": {testutil.ToFloat64(m.mailGivenUp.WithLabelValues("invitation")), 1},
	} {
		if c.got != c.want {
			t.Errorf("mail %s: %v, want %v", name, c.got, c.want)
		}
	}
	m.ObserveRequest("BREW", "", 418, time.Millisecond)
	m.ObserveRequest("GET", "/reviews/{reviewID}", 200, time.Millisecond)
	if v := testutil.ToFloat64(m.requests.WithLabelValues("other", Unmatched, "418")); v != 1 {
		t.Errorf("an odd method of no route: %v, want 1 under other/unmatched", v)
	}
	if v := testutil.ToFloat64(m.requests.WithLabelValues("GET", "/reviews/{reviewID}", "200")); v != 1 {
		t.Errorf("a route's request: %v, want 1", v)
	}
	if n := testutil.CollectAndCount(m.signInFailures); n != len(reasons) {
		t.Errorf("%d sign-in failure series before any failure, want one per reason (%d)", n, len(reasons))
	}
	var none *Metrics
	none.ObserveRequest("GET", "/", 200, time.Millisecond)
	none.MailDelivered("invitation", relay, true)
	none.SignInFailed(WrongPassword)
}
