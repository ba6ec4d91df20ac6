package fanmail_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// errKey is the one log key for errors: an operator searching the logs for
// failures greps one key, and a log pipeline indexes one field.
const errKey = "err"

// notErrKeys are keys that, in a log call, can only mean an error.
var notErrKeys = map[string]bool{"error": true, "errors": true, "cause": true, "failure": true}

// Every slog call in the tree logs errors under errKey, and nothing else
// under a key that means an error.
func TestLogKeys_OneKeyForErrors(t *testing.T) {
	fset := token.NewFileSet()
	var checked int
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			args, ok := logAttrs(call)
			if !ok {
				return true
			}
			checked++
			for i, a := range args {
				key, ok := stringLit(a)
				if !ok || i+1 >= len(args) {
					continue
				}
				pos := fset.Position(a.Pos())
				if notErrKeys[key] {
					t.Errorf("%s: log key %q: errors are logged under %q", pos, key, errKey)
				} else if key != errKey && isErrorValue(args[i+1]) {
					t.Errorf("%s: error logged under %q, want %q", pos, key, errKey)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 50 {
		t.Fatalf("only %d log calls found: is the walk still reading the tree?", checked)
	}
}

// logMethods are slog's logging methods, with the number of arguments before
// the key-value pairs.
var logMethods = map[string]int{
	"Debug": 1, "Info": 1, "Warn": 1, "Error": 1,
	"DebugContext": 2, "InfoContext": 2, "WarnContext": 2, "ErrorContext": 2,
	"Log": 3, "With": 0,
}

// logAttrs returns the key-value arguments of call when it is a call of a
// slog logger (a receiver named logger, or the slog package) or of an
// attribute constructor such as slog.Any; append(attrs, k, v…) among them
// is opened up.
func logAttrs(call *ast.CallExpr) ([]ast.Expr, bool) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return nil, false
	}
	recv := exprString(sel.X)
	if recv == "slog" {
		switch sel.Sel.Name {
		case "Any", "String", "Group":
			return call.Args, true
		}
	}
	skip, ok := logMethods[sel.Sel.Name]
	if !ok || !(recv == "slog" || strings.Contains(strings.ToLower(recv), "logger")) || len(call.Args) < skip {
		return nil, false
	}
	var out []ast.Expr
	for _, a := range call.Args[skip:] {
		if c, ok := a.(*ast.CallExpr); ok && exprString(c.Fun) == "append" && len(c.Args) > 1 {
			out = append(out, c.Args[1:]...)
			continue
		}
		out = append(out, a)
	}
	return out, true
}

// isErrorValue reports whether e reads as an error: a variable named err or
// ending in Err, or an error's message.
func isErrorValue(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "err" || strings.HasSuffix(e.Name, "Err") || strings.HasSuffix(e.Name, "err")
	case *ast.SelectorExpr:
		return strings.HasSuffix(e.Sel.Name, "Err") || strings.HasSuffix(e.Sel.Name, "err")
	case *ast.CallExpr:
		name := exprString(e.Fun)
		return strings.HasSuffix(name, ".Error") || strings.HasSuffix(name, "ErrorMessage")
	}
	return false
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// exprString spells out identifiers and selectors (a.logger, slog); other
// expressions give "".
func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.SelectorExpr:
		if x := exprString(e.X); x != "" {
			return x + "." + e.Sel.Name
		}
		return e.Sel.Name
	case *ast.CallExpr:
		return exprString(e.Fun) + "()"
	}
	return ""
}
