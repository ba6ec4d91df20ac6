package demo

import (
	"image/color"

	"github.com/fanmail/fanmail"
)

// The demo catalogue follows seed 000 fig. 2: a casual group with 미앤씨, 오조크,
// 오즈세컨 and 에스제이, a formal group with the brands its survey names (마인,
// 모리스 커밍홈), and a sports group with two invented brands. Each brand gets
// its group's six items, two on each shelf, named with the brand's own style.

type demoGroup struct {
	slug, nameKo, nameEn string
	items                []demoItem // two per shelf: new, new, previous, previous, sale, sale
	brands               []demoBrand
}

type demoBrand struct {
	slug, name     string
	descKo, descEn string
	code           string // product code prefix
	style          string // word put before item names
	ageMin, ageMax int
	pricePercent   int64 // of the item's base price
	colour         color.RGBA
}

type demoItem struct {
	name        string
	price       int64 // base price in won
	styling     string
	accessories string
	description string
}

// groupSlugs are the demo groups; Reset purges exactly these.
var groupSlugs = []string{"casual", "formal", "sports"}

var groups = []demoGroup{
	{
		slug: "casual", nameKo: "캐주얼", nameEn: "Casual",
		items: []demoItem{
			{"쉬폰 원피스", 79000, "짧은 니트 가디건을 걸치고 플랫 슈즈로 마무리하세요.", "진주 귀걸이, 라탄 토트백", "가볍게 흐르는 쉬폰에 안감을 댄 원피스입니다."},
			{"데님 재킷", 89000, "흰 티셔츠와 롤업 청바지로 캐주얼하게 입으세요.", "캔버스 스니커즈, 볼캡", "워싱을 넣은 도톰한 데님 재킷입니다."},
			{"니트 가디건", 59000, "원피스 위에 걸치거나 단추를 잠가 단독으로 입어도 좋습니다.", "가죽 크로스백, 실버 목걸이", "부드러운 울 혼방 니트입니다."},
			{"스트레이트 청바지", 69000, "셔츠 앞자락만 넣어 입으면 다리가 길어 보입니다.", "로퍼, 가죽 벨트", "허리가 편한 스트레치 데님입니다."},
			{"스트라이프 티셔츠", 29000, "면바지와 함께 산뜻한 마린 룩을 연출하세요.", "에코백, 선글라스", "도톰한 면 저지 티셔츠입니다."},
			{"플리츠 스커트", 49000, "짧은 니트와 매치해 허리선을 살리세요.", "메리제인 슈즈, 헤어 밴드", "걸을 때마다 주름이 살아나는 스커트입니다."},
		},
		brands: []demoBrand{
			{"mienc", "미앤씨", "여성스럽고 귀여운 캐주얼.", "Feminine, cute casual wear.", "MNC", "플라워", 19, 23, 100, color.RGBA{236, 112, 150, 255}},
			{"ozoc", "오조크", "도회적이고 세련된 캐주얼.", "Urban, polished casual wear.", "OZC", "어반", 21, 26, 110, color.RGBA{52, 84, 150, 255}},
			{"ozsecond", "오즈세컨", "심플하면서 여성스러움이 가미된 캐릭터 캐주얼.", "Simple character casual with a feminine touch.", "OZS", "시크", 24, 29, 130, color.RGBA{70, 70, 78, 255}},
			{"sj", "에스제이", "밝고 사랑스러운 데일리 캐주얼.", "Bright, lovely everyday casual.", "SJ", "러블리", 19, 24, 90, color.RGBA{245, 140, 90, 255}},
		},
	},
	{
		slug: "formal", nameKo: "정장/포멀", nameEn: "Formal",
		items: []demoItem{
			{"테일러드 수트", 329000, "흰 셔츠와 블랙 펌프스로 단정하게 입으세요.", "실크 스카프, 가죽 토트백", "울 100% 원단의 재킷과 팬츠 한 벌입니다."},
			{"트렌치 코트", 259000, "벨트를 묶어 허리를 강조하세요.", "앵클 부츠, 가죽 장갑", "발수 가공한 면 개버딘 코트입니다."},
			{"실크 블라우스", 119000, "슬랙스에 넣어 입고 재킷을 걸치면 출근 룩이 완성됩니다.", "진주 목걸이, 미니 백", "은은한 광택의 실크 블라우스입니다."},
			{"와이드 슬랙스", 99000, "굽 있는 구두로 비율을 살리세요.", "가죽 벨트, 손목시계", "구김이 적은 울 혼방 슬랙스입니다."},
			{"트위드 재킷", 199000, "원피스 위에 걸쳐 격식 있는 자리에 입으세요.", "브로치, 체인 백", "금사를 섞어 짠 트위드 재킷입니다."},
			{"H라인 스커트", 89000, "블라우스와 같은 톤으로 맞추면 차분해 보입니다.", "슬링백 힐, 클러치", "뒤트임이 있는 무릎 길이 스커트입니다."},
		},
		brands: []demoBrand{
			{"mine", "마인", "절제된 선의 모던 정장.", "Modern tailoring with restrained lines.", "MIN", "모던", 27, 39, 150, color.RGBA{40, 40, 48, 255}},
			{"morris", "모리스 커밍홈", "클래식한 커리어 우먼 정장.", "Classic suits for working women.", "MRS", "클래식", 30, 45, 120, color.RGBA{120, 72, 60, 255}},
		},
	},
	{
		slug: "sports", nameKo: "스포츠", nameEn: "Sports",
		items: []demoItem{
			{"트랙 재킷", 119000, "조거 팬츠와 세트로 입거나 청바지와 섞어 입으세요.", "러닝화, 볼캡", "땀이 빨리 마르는 트리코트 재킷입니다."},
			{"기능성 반팔 티셔츠", 45000, "통기성 좋은 쇼츠와 함께 달리기에 좋습니다.", "스포츠 양말, 암밴드", "가볍고 빨리 마르는 메시 원단입니다."},
			{"조거 팬츠", 69000, "후드 티셔츠와 편안한 주말 룩을 만드세요.", "슬립온, 백팩", "밑단 시보리로 활동이 편한 팬츠입니다."},
			{"바람막이 재킷", 99000, "가볍게 접어 가방에 넣고 다니세요.", "트레킹화, 힙색", "생활 방수가 되는 초경량 재킷입니다."},
			{"요가 레깅스", 59000, "긴 티셔츠로 엉덩이를 덮으면 일상복으로도 좋습니다.", "요가 매트 가방, 헤어 밴드", "네 방향으로 늘어나는 레깅스입니다."},
			{"후드 티셔츠", 79000, "레깅스나 조거 팬츠와 매치하세요.", "스니커즈, 버킷햇", "기모 안감의 따뜻한 후드입니다."},
		},
		brands: []demoBrand{
			{"runup", "런업", "도시를 달리는 러닝 웨어.", "Running wear for the city.", "RUN", "에어", 15, 29, 100, color.RGBA{30, 160, 110, 255}},
			{"trailone", "트레일원", "산과 도시를 잇는 아웃도어.", "Outdoor wear from trail to town.", "TRL", "아웃도어", 24, 39, 115, color.RGBA{200, 150, 40, 255}},
		},
	},
}

// shelfOf returns the shelf of the i-th item (two per shelf).
func shelfOf(i int) string { return fanmail.Shelves[(i/2)%len(fanmail.Shelves)] }

// shelfNote is the product description's opening line per shelf.
var shelfNote = map[string]string{
	fanmail.ShelfNew:      "이번 시즌 신상품입니다.",
	fanmail.ShelfPrevious: "지난 시즌 인기 상품입니다.",
	fanmail.ShelfSale:     "시즌 오프 30% 할인 상품입니다.",
}

// shops are the demo shops where staff register customers at a terminal:
// brand stores, a department-store counter and an outlet, so that purchases
// show each purchase pattern.
var shops = []fanmail.Shop{
	{Code: "GN01", Name: "강남점", Kind: fanmail.ShopStore, Region: "서울", Phone: "02-555-0101", Address: "서울특별시 강남구 강남대로 396"},
	{Code: "HD01", Name: "홍대점", Kind: fanmail.ShopStore, Region: "서울", Phone: "02-333-0202", Address: "서울특별시 마포구 양화로 160"},
	{Code: "BS01", Name: "부산 서면점", Kind: fanmail.ShopStore, Region: "부산", Phone: "051-808-0303", Address: "부산광역시 부산진구 중앙대로 672"},
	{Code: "PG01", Name: "판교 백화점 매장", Kind: fanmail.ShopDepartment, Region: "경기", Phone: "031-5170-0404", Address: "경기도 성남시 분당구 판교역로 146번길 20"},
	{Code: "YJ01", Name: "여주 아울렛점", Kind: fanmail.ShopOutlet, Region: "경기", Phone: "031-880-0505", Address: "경기도 여주시 명품로 360"},
}
