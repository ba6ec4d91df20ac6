package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"testing"
)

// Each message has one Korean translation, in one catalogue file: Register
// lets a later file overwrite an earlier one silently, so two copies of a
// key drift apart (as "Why" did: 이유 in one file, 사유 in another).
func TestOneTranslationPerKey(t *testing.T) {
	files, err := filepath.Glob("ko_*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no catalogue files: %v", err)
	}
	first := map[string]string{} // key → file
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			kv, ok := n.(*ast.KeyValueExpr)
			if !ok {
				return true
			}
			lit, ok := kv.Key.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			key, err := strconv.Unquote(lit.Value)
			if err != nil {
				t.Fatal(err)
			}
			if prev, ok := first[key]; ok {
				t.Errorf("%s: %q is translated in %s already", fset.Position(lit.Pos()), key, prev)
			}
			first[key] = name
			return true
		})
	}
}
