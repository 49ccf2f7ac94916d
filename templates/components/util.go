package components

import "strconv"

// radioID gives the first option the group's id, so the error summary link lands on it.
func radioID(id string, i int) string {
	if i == 0 {
		return id
	}
	return id + "-" + strconv.Itoa(i+1)
}
