//go:build linux

package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// summary is a sample reduced to what the report shows. The median is what targets are judged
// on: on a shared machine the mean is dragged by whichever run another process preempted.
type summary struct {
	n                    int
	min, p5, median, p95 float64
	max                  float64
}

func summarize(xs []float64) summary {
	if len(xs) == 0 {
		return summary{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return summary{n: len(s), min: s[0], p5: quantile(s, 0.05), median: quantile(s, 0.5), p95: quantile(s, 0.95), max: s[len(s)-1]}
}

// quantile interpolates linearly between the closest ranks of sorted s.
func quantile(s []float64, q float64) float64 {
	if len(s) == 1 {
		return s[0]
	}
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := int(math.Ceil(pos))
	return s[lo] + (s[hi]-s[lo])*(pos-float64(lo))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// fmtMs prints milliseconds with a precision that suits their size.
func fmtMs(v float64) string {
	switch a := math.Abs(v); {
	case a < 10:
		return fmt.Sprintf("%.2f ms", v)
	case a < 100:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.0f ms", v)
	}
}

func fmtMB(bytes float64) string { return fmt.Sprintf("%.1f MB", bytes/1e6) }
