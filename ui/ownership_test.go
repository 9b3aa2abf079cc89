package ui

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestScreensOwnTheirState enforces that every screen owns its state.
//
// The rule: an unexported field of a screen's struct type — any type in
// package ui whose pointer is a common.Component, and the root Model — is
// read and written only by that type's own code: its methods, and the
// functions of the file that declares it (its constructor, its commands);
// the functions of a file that declares no screen (run.go's entry points)
// are the root's. Another screen, the root, drafts: they call methods
// (Value, SetDraft, Answer…), never touch fields, so a screen can change
// its insides without the others knowing. Tests are not held to it; fields
// of the widgets in ui/components are unexported in another package, which
// the compiler already enforces.
func TestScreensOwnTheirState(t *testing.T) {
	bp, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: exportImporter(t, fset)}
	pkg, err := conf.Check("spotcast/ui", fset, files, info)
	if err != nil {
		t.Fatal(err)
	}

	// The screens: the root and every Component.
	var component *types.Interface
	for _, imp := range pkg.Imports() {
		if imp.Path() == "spotcast/ui/common" {
			component = imp.Scope().Lookup("Component").Type().Underlying().(*types.Interface)
		}
	}
	if component == nil {
		t.Fatal("no common.Component")
	}
	owner := map[*types.Var]*types.TypeName{} // an unexported field → its screen
	screens := map[*types.TypeName]bool{}
	for _, name := range pkg.Scope().Names() {
		tn, ok := pkg.Scope().Lookup(name).(*types.TypeName)
		if !ok || tn.IsAlias() {
			continue
		}
		st, ok := tn.Type().Underlying().(*types.Struct)
		if !ok || (name != "Model" && !types.Implements(types.NewPointer(tn.Type()), component)) {
			continue
		}
		screens[tn] = true
		for i := range st.NumFields() {
			if f := st.Field(i); !f.Exported() {
				owner[f] = tn
			}
		}
	}
	if len(screens) < 9 {
		t.Fatalf("found only %d screens: %v", len(screens), screens)
	}

	var violations []string
	for _, f := range files {
		// The screen this file declares: its free functions are its own.
		fileScreen, _ := pkg.Scope().Lookup("Model").(*types.TypeName)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
				for _, s := range g.Specs {
					if tn, ok := info.Defs[s.(*ast.TypeSpec).Name].(*types.TypeName); ok && screens[tn] {
						fileScreen = tn
					}
				}
			}
		}
		for _, d := range f.Decls {
			self := fileScreen
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil {
				self = receiverType(info, fd)
			}
			ast.Inspect(d, func(n ast.Node) bool {
				id, ok := n.(*ast.Ident)
				if !ok {
					return true
				}
				v, ok := info.Uses[id].(*types.Var)
				if !ok {
					return true
				}
				if o := owner[v]; o != nil && o != self {
					who := "a free function"
					if self != nil {
						who = self.Name()
					}
					pos := fset.Position(id.Pos())
					violations = append(violations, fmt.Sprintf("%s:%d: %s touches %s.%s",
						filepath.Base(pos.Filename), pos.Line, who, o.Name(), v.Name()))
				}
				return true
			})
		}
	}
	sort.Strings(violations)
	for _, v := range violations {
		t.Error(v)
	}
}

// exportImporter reads the dependencies' export data, as the compiler
// left it in the build cache (go list -export): much cheaper than
// type-checking them from source, above all under -race.
func exportImporter(t *testing.T, fset *token.FileSet) types.Importer {
	out, err := exec.Command("go", "list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	exports := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if path, file, ok := strings.Cut(line, "\t"); ok && file != "" {
			exports[path] = file
		}
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
}

// receiverType is the named type a method is declared on.
func receiverType(info *types.Info, fd *ast.FuncDecl) *types.TypeName {
	e := fd.Recv.List[0].Type
	if s, ok := e.(*ast.StarExpr); ok {
		e = s.X
	}
	if ix, ok := e.(*ast.IndexExpr); ok {
		e = ix.X
	}
	id, ok := e.(*ast.Ident)
	if !ok {
		return nil
	}
	tn, _ := info.Uses[id].(*types.TypeName)
	return tn
}
