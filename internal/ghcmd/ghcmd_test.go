package ghcmd

import "testing"

func TestEscapes(t *testing.T) {
	tests := []struct {
		in, data, property string
		reason             string
	}{
		{"a\nb", "a%0Ab", "a%0Ab", "a newline would end the command"},
		{"50%", "50%25", "50%25", "% starts an escape, so it is escaped first"},
		{"x: y, z", "x: y, z", "x%3A y%2C z", "':' and ',' delimit properties only"},
	}
	for _, tt := range tests {
		if got := Data(tt.in); got != tt.data {
			t.Errorf("Data(%q) = %q, want %q (%s)", tt.in, got, tt.data, tt.reason)
		}
		if got := Property(tt.in); got != tt.property {
			t.Errorf("Property(%q) = %q, want %q (%s)", tt.in, got, tt.property, tt.reason)
		}
	}
}
