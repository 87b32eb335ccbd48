// Package csvsafe writes CSV that a spreadsheet opens as data, never as
// formulas. Every CSV file dinhdanh writes goes through Writer.
package csvsafe

import (
	"encoding/csv"
	"io"
	"strings"
	"unicode/utf8"
)

// Cell neutralises a value a spreadsheet would evaluate: one whose first
// character, after any leading spaces or line breaks, is =, +, -, @, a tab
// or a carriage return (OWASP CSV Injection), or their full-width forms,
// which some spreadsheets accept for the same purpose. It gets a leading
// single quote, which spreadsheets show as text and do not evaluate. The
// same holds after every ';': spreadsheets whose list separator is ';'
// split an unquoted field there, and each part becomes a cell of its own.
func Cell(s string) string {
	if !strings.Contains(s, ";") {
		return neutralise(s)
	}
	parts := strings.Split(s, ";")
	for i, p := range parts {
		parts[i] = neutralise(p)
	}
	return strings.Join(parts, ";")
}

func neutralise(s string) string {
	rest := strings.TrimLeft(s, " \n")
	if rest == "" {
		return s
	}
	switch r, _ := utf8.DecodeRuneInString(rest); r {
	case '=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}

// Writer is a csv.Writer that passes every cell through Cell.
type Writer struct {
	w *csv.Writer
}

// NewWriter writes CSV to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one record, neutralised; record itself is not changed.
func (w *Writer) Write(record []string) error {
	out := make([]string, len(record))
	for i, c := range record {
		out[i] = Cell(c)
	}
	return w.w.Write(out)
}

// Flush writes any buffered data; Error reports what went wrong.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}
