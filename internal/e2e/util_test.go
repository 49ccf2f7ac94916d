package e2e

import (
	"fmt"

	"github.com/chromedp/chromedp"
)

// value reads an input's current value by id.
func (b *B) value(id string) (string, error) {
	return chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.getElementById(%q).value`, id)))
}
