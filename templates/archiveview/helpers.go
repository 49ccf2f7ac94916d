// Package archive holds the views of review archives: the import form.
package archiveview

import "strconv"

func moreProblems(n int) string {
	if n == 1 {
		return "and 1 more problem"
	}
	return "and " + strconv.Itoa(n) + " more problems"
}
