package member_test

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/fanmail/fanmail/internal/member"
	"github.com/fanmail/fanmail/internal/store"
)

// genHeader is the header of generated member files.
const genHeader = "회원아이디,이메일,이름,휴대폰,출생연도,성별,우편번호,주소,마케팅수신동의,문자수신동의"

var (
	genSurnames = []string{"김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권"}
	genGiven    = []string{"민지", "서연", "지우", "하은", "도윤", "서준", "예린", "수아", "지호", "민준", "유나", "태희", "은비", "현우"}
	genGenders  = []string{"여", "남", "F", "M", "female", "male", ""}
	genYesNo    = []string{"Y", "N", "동의", "거부", ""}
	genStreets  = []string{"서울특별시 강남구 테헤란로", "부산광역시 해운대구 센텀로", "대구광역시 중구 동성로", "경기도 성남시 분당구 판교역로"}
)

// genKinds of bad rows, by row index modulo 1000, with the reason reported.
var genBad = map[int]string{
	101: "E-mail address is not valid.",
	202: store.ReasonDuplicateInFile, // the address of row 201 again
	303: "E-mail address is required.",
	404: "Malformed quoting.",
	505: "Wrong number of fields.",
	606: "Under 14: cannot be imported without a guardian's consent.",
	707: "Malformed quoting.", // an unterminated quote
}

// genFile describes a generated file: what importing it into an empty
// database must report.
type genFile struct {
	Rows    int64
	Good    int64            // rows that import
	BadLine map[int64]string // line → reason
}

func genEmail(i int) string { return fmt.Sprintf("fan%07d@example.com", i) }

// writeMembersCSV writes n generated member rows (rows first..first+n-1 of an
// endless deterministic list) after a header: Korean names, quoted addresses
// with commas, blank lines, and seven bad rows per thousand (see genBad).
func writeMembersCSV(w io.Writer, first, n int, now time.Time) (genFile, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	g := genFile{BadLine: map[int64]string{}}
	line := int64(1)
	fmt.Fprintf(bw, "%s\r\n", genHeader)
	for i := first; i < first+n; i++ {
		if i%1000 == 808 { // a blank line and a row of empty fields: skipped, not counted
			bw.WriteString("\r\n,,,,,,,,,\r\n")
			line += 2
		}
		line++
		g.Rows++
		email := genEmail(i)
		name := genSurnames[i%len(genSurnames)] + genGiven[(i/7)%len(genGiven)]
		phone := fmt.Sprintf("010-%04d-%04d", (i/10000)%10000, i%10000)
		year := 1950 + i%55
		addr := fmt.Sprintf("%s %d", genStreets[i%len(genStreets)], i%500+1)
		if i%3 == 0 {
			addr = fmt.Sprintf(`"%s, %d호"`, addr, i%30+101)
		}
		code := fmt.Sprintf("fan%07d", i)
		fields := 10
		kind := i % 1000
		if reason, ok := genBad[kind]; ok {
			g.BadLine[line] = reason
		} else {
			g.Good++
		}
		switch kind {
		case 101:
			email = fmt.Sprintf("fan%07d@@example", i)
		case 202:
			email = genEmail(i - 1)
		case 303:
			email = ""
		case 404:
			email = `"` + email + `"x`
		case 505:
			fields = 9
		case 606:
			year = now.Year() - 10
		case 707:
			name = `"` + name
		}
		fmt.Fprintf(bw, "%s,%s,%s,%s,%d,%s,%05d,%s,%s", code, email, name, phone, year,
			genGenders[i%len(genGenders)], 10000+i%90000, addr, genYesNo[i%len(genYesNo)])
		if fields == 10 {
			fmt.Fprintf(bw, ",%s", genYesNo[(i/5)%len(genYesNo)])
		}
		bw.WriteString("\r\n")
	}
	return g, bw.Flush()
}

// countingWriter counts bytes written.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

var _ = member.DefaultImportBatch
