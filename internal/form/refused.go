package form

import "strings"

// Refused is a change refused for reasons the user can fix, each tied to a field. A domain
// function returns it so that its transaction rolls back and the handler shows the form again.
type Refused struct {
	Errors *Errors
}

// Refuse is a Refused with one message for one field.
func Refuse(field, msg string) *Refused {
	e := &Errors{}
	e.Add(field, msg)
	return &Refused{Errors: e}
}

func (r *Refused) Error() string {
	var msgs []string
	for _, e := range r.Errors.List() {
		msgs = append(msgs, e.Field+": "+e.Message)
	}
	return "refused: " + strings.Join(msgs, "; ")
}
