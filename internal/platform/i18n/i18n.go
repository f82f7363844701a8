// Package i18n owns the console's languages: the message catalogue (zh-CN
// first, English second) keyed by message id, including the keys of the
// domain errors (apperr), and the formatting a user reads in their own
// language and time zone: dates and amounts in fen.
package i18n

import (
	"fmt"
	"slices"
	"strings"
)

// Lang is a supported language tag.
type Lang string

const (
	ZH Lang = "zh-CN" // the default: the labels of the provider's console
	EN Lang = "en"
)

// Default is the language of a visitor who has chosen none.
const Default = ZH

// Langs lists the supported languages in the order the switch shows them.
var Langs = []Lang{ZH, EN}

// Parse returns the supported language named by s, accepting the common
// spellings ("zh", "zh-cn", "en-US"); ok is false for anything else.
func Parse(s string) (l Lang, ok bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "zh" || strings.HasPrefix(s, "zh-") || strings.HasPrefix(s, "zh_"):
		return ZH, true
	case s == "en" || strings.HasPrefix(s, "en-") || strings.HasPrefix(s, "en_"):
		return EN, true
	}
	return Default, false
}

// Name is the language's name written in that language, as a switch shows it.
func (l Lang) Name() string {
	if l == EN {
		return "English"
	}
	return "简体中文"
}

// entry is one message in both languages.
type entry struct{ key, zh, en string }

// catalogue maps a message id to its zh-CN and English texts.
var catalogue = map[string][2]string{}

// register adds messages; each area of the product keeps its messages in a
// file of its own. A key registered twice is a programming error.
func register(entries ...entry) bool {
	for _, e := range entries {
		if _, dup := catalogue[e.key]; dup {
			panic("i18n: message registered twice: " + e.key)
		}
		catalogue[e.key] = [2]string{e.zh, e.en}
	}
	return true
}

// Has reports whether the catalogue holds a message id.
func Has(key string) bool {
	_, ok := catalogue[key]
	return ok
}

// Keys returns every message id, sorted.
func Keys() []string {
	keys := make([]string, 0, len(catalogue))
	for k := range catalogue {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Text returns the raw text of a message in a language, without arguments.
func Text(l Lang, key string) (string, bool) {
	m, ok := catalogue[key]
	if !ok {
		return "", false
	}
	if l == EN {
		return m[1], true
	}
	return m[0], true
}

// T returns a message in a language, with its fmt verbs filled by args. An
// unknown id comes back as itself, so that a missing message shows up on the
// page instead of an empty space (and the catalogue test names it).
func T(l Lang, key string, args ...any) string {
	s, ok := Text(l, key)
	if !ok {
		return key
	}
	if len(args) == 0 {
		return s
	}
	return fmt.Sprintf(s, args...)
}
