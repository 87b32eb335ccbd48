package identity

// LocalizedError is an error that can be shown to a citizen or a registrar.
// Pages are Vietnamese first, English second (DESIGN.md §1), so every such
// error carries both texts; Code is stable and meant for programs and tests.
// Messages never contain the value that was rejected: errors end up in logs,
// and logs must not hold personal data (DESIGN.md §3, Logs).
type LocalizedError interface {
	error
	Code() string
	MessageVI() string
	MessageEN() string
}

// fieldError is a LocalizedError for one invalid input value.
type fieldError struct {
	code, en, vi string
}

func (e *fieldError) Error() string     { return e.en }
func (e *fieldError) Code() string      { return e.code }
func (e *fieldError) MessageEN() string { return e.en }
func (e *fieldError) MessageVI() string { return e.vi }

var _ LocalizedError = (*fieldError)(nil)
