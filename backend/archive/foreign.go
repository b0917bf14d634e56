package archive

import (
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Conversations from other apps get IDs derived from theirs (UUIDv5 in this namespace), so
// importing the same export twice finds them already there instead of copying them again.
var importNamespace = uuid.MustParse("6f1c3a52-3c59-4d55-9d7e-2f0b6a0c1e77")

func derivedID(parts ...string) string {
	return uuid.NewSHA1(importNamespace, []byte(strings.Join(parts, "\x00"))).String()
}

// unixTime reads a time other apps write as seconds since 1970 (a float for ChatGPT), or as
// milliseconds (Open WebUI in places): no date in seconds is that large before year 5000.
func unixTime(v *float64) time.Time {
	if v == nil || *v <= 0 || math.IsNaN(*v) || math.IsInf(*v, 0) {
		return time.Time{}
	}
	s := *v
	if s > 1e11 {
		s /= 1000
	}
	if s > 1e11 {
		return time.Time{}
	}
	sec, frac := math.Modf(s)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// foreignTitle is a title from another app as we keep titles: one line, not too long.
func foreignTitle(t *string) string {
	if t == nil {
		return ""
	}
	s := strings.Join(strings.Fields(*t), " ")
	if utf8.RuneCountInString(s) > maxTitleRunes {
		s = string([]rune(s)[:maxTitleRunes-1]) + "…"
	}
	return s
}
