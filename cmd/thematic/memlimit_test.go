package main

import (
	"testing"

	"thematic/internal/config"
)

func TestMemoryLimitFromConfigUnlessGOMEMLIMIT(t *testing.T) {
	for _, c := range []struct {
		mb         int64
		gomemlimit string
		want       int64
		ok         bool
	}{
		{mb: 120, want: 120 << 20, ok: true},
		{mb: 120, gomemlimit: "512MiB"}, // the runtime applied GOMEMLIMIT already
		{mb: 0},                         // MEMORY_LIMIT_MB=0: no limit
	} {
		got, ok := memoryLimit(config.Config{MemoryLimitMB: c.mb}, c.gomemlimit)
		if got != c.want || ok != c.ok {
			t.Errorf("MEMORY_LIMIT_MB=%d GOMEMLIMIT=%q: got %d, %v; want %d, %v", c.mb, c.gomemlimit, got, ok, c.want, c.ok)
		}
	}
}
