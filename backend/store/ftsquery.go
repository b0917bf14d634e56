package store

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrBadQuery is a search the person typed that cannot be run; the message says why.
var ErrBadQuery = errors.New("cannot search for that")

// Limits on a search: longer queries are not something a person types, and each term costs an
// index lookup.
const (
	MaxQueryBytes = 500
	MaxQueryTerms = 16
)

// minPrefixRunes is the shortest prefix searched for; the index keeps 2- and 3-letter prefixes
// (migration 4), which is what makes prefix searches fast.
const minPrefixRunes = 2

// lastWord is the last run of letters and digits in s: the part a * applies to.
func lastWord(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	if len(f) == 0 {
		return ""
	}
	return f[len(f)-1]
}

// queryTerm is one thing to look for: a word, a prefix or a phrase, wanted or excluded.
type queryTerm struct {
	text    string
	prefix  bool
	exclude bool
}

// ftsQuery turns what a person types into an FTS5 query. The syntax is the one search boxes
// teach: words (all must appear, in any order), "a phrase" (these words in this order), prefix*
// (words that start so) and -word or -"phrase" (must not appear). Anything else is text: every
// term is quoted before it reaches FTS5, so its own operators (AND, OR, NOT, NEAR, column:,
// ^, parentheses) are searched for as words instead of breaking the query. An unclosed quote runs
// to the end, so a query being typed is always searchable.
func ftsQuery(q string) (string, error) {
	if !utf8.ValidString(q) {
		return "", fmt.Errorf("%w: the search is not valid UTF-8 text", ErrBadQuery)
	}
	if len(q) > MaxQueryBytes {
		return "", fmt.Errorf("%w: the search is %d bytes long; the limit is %d", ErrBadQuery, len(q), MaxQueryBytes)
	}
	terms := parseQuery(q)
	var want, exclude []string
	for _, t := range terms {
		if !hasToken(t.text) {
			continue // punctuation alone: nothing the index holds
		}
		if t.prefix && !t.exclude && utf8.RuneCountInString(lastWord(t.text)) < minPrefixRunes {
			// One letter and a star matches most of a history: slow, and no help to anyone.
			return "", fmt.Errorf("%w: type at least %d letters before *", ErrBadQuery, minPrefixRunes)
		}
		s := `"` + strings.ReplaceAll(t.text, `"`, `""`) + `"`
		if t.prefix {
			s += "*"
		}
		if t.exclude {
			exclude = append(exclude, s)
		} else {
			want = append(want, s)
		}
	}
	if len(want)+len(exclude) > MaxQueryTerms {
		return "", fmt.Errorf("%w: %d terms; at most %d", ErrBadQuery, len(want)+len(exclude), MaxQueryTerms)
	}
	if len(want) == 0 {
		if len(exclude) > 0 {
			return "", fmt.Errorf("%w: add a word to look for; -word only excludes", ErrBadQuery)
		}
		return "", fmt.Errorf("%w: type a word to look for", ErrBadQuery)
	}
	out := strings.Join(want, " AND ")
	if len(exclude) > 0 {
		out = "(" + out + ")"
		for _, e := range exclude {
			out += " NOT " + e
		}
	}
	return out, nil
}

// parseQuery splits q into terms. It never fails: every input is some list of terms.
func parseQuery(q string) []queryTerm {
	var terms []queryTerm
	rs := []rune(strings.ReplaceAll(q, "\x00", " "))
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		var t queryTerm
		if rs[i] == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			t.exclude = true
			i++
		}
		if rs[i] == '"' {
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			t.text = string(rs[i+1 : j])
			i = j + 1 // past the closing quote, or the end
			if i < len(rs) && rs[i] == '*' {
				t.prefix = true
				i++
			}
		} else {
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '"' {
				j++
			}
			t.text = string(rs[i:j])
			i = j
			if strings.HasSuffix(t.text, "*") {
				t.text = strings.TrimRight(t.text, "*")
				t.prefix = true
			}
		}
		terms = append(terms, t)
	}
	return terms
}

// hasToken tells whether s holds something the tokenizer indexes (a letter or digit).
func hasToken(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}
