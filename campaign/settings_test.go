package campaign

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// flagName is how a CLI flag looks inside a text: --default-country.
var flagName = regexp.MustCompile(`(^|[\s(/"'])--[a-z][a-z-]+`)

// The engine's texts never name a face's control: no string in campaign or
// client (tests aside) holds a CLI flag. The faces add theirs (WithControls).
func TestEngineTextsNameNoFlags(t *testing.T) {
	for _, dir := range []string{".", "../client"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			fset := token.NewFileSet()
			file, err := parser.ParseFile(fset, f, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(lit.Value)
				if err == nil && flagName.MatchString(s) {
					t.Errorf("%s: %q names a CLI flag; say the setting (campaign.Setting*) and let the face name its control", fset.Position(lit.Pos()), s)
				}
				return true
			})
		}
	}
}

func TestWithControls(t *testing.T) {
	controls := map[Setting]string{SettingDefaultCountry: "--default-country"}
	got := WithControls(reasonNoCC, controls)
	if got != "no country code: set the default country (--default-country)" {
		t.Fatalf("got %q", got)
	}
	if again := WithControls(got, controls); again != got {
		t.Fatalf("named twice: %q", again)
	}
	if s := WithControls("no setting here", controls); s != "no setting here" {
		t.Fatalf("changed a text without a setting: %q", s)
	}
}
