// Package form holds field errors in the order the fields appear, for the GOV.UK error summary.
package form

// FieldError is one message about one field. Field is the id of the input to link to.
type FieldError struct {
	Field   string
	Message string
}

// Errors collects field errors; the first message for a field wins.
type Errors struct {
	list []FieldError
}

// Add records msg for field unless the field already has one.
func (e *Errors) Add(field, msg string) {
	if e.Has(field) {
		return
	}
	e.list = append(e.list, FieldError{Field: field, Message: msg})
}

// Has reports whether field has an error.
func (e *Errors) Has(field string) bool { return e.Get(field) != "" }

// Get returns field's message, or "".
func (e *Errors) Get(field string) string {
	if e == nil {
		return ""
	}
	for _, fe := range e.list {
		if fe.Field == field {
			return fe.Message
		}
	}
	return ""
}

// Any reports whether there is at least one error.
func (e *Errors) Any() bool { return e != nil && len(e.list) > 0 }

// List returns the errors in the order they were added.
func (e *Errors) List() []FieldError {
	if e == nil {
		return nil
	}
	return e.list
}
