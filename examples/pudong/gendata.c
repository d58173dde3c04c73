/*  gendata.c -- sluice-gendata: demo data for the Pudong federation.

    Writes the "existing systems" of three departments of Shanghai's Pudong
    New Area as SQLite databases, which each department's gateway later only
    reads:

        DIR/market.db       market regulation administration
        DIR/tax.db          tax bureau
        DIR/food.db         food and drug administration
        DIR/sample-keys.txt USCCs worth querying in a demo

    Usage:
        sluice-gendata --out DIR [--enterprises N] [--seed S] [--quiet] [--force]
        sluice-gendata --check DIR

    The output depends only on N and the seed: the program has its own
    pseudo-random generator (splitmix64) and a fixed reference date, so two
    runs with the same arguments write the same rows (and the first N
    enterprises of a larger run are those of a run of N). Every enterprise carries
    a valid, unique USCC (GB 32100-2015, with a valid embedded GB 11714
    organization code); legal representatives carry valid resident identity
    numbers (GB 11643-1999), which are personal data of high sensitivity.

    Exit codes: 0 done; 1 failed (database or file error, or --check found
    an invalid identifier); 2 bad arguments or an output that exists already.
*/

#if !defined (_POSIX_C_SOURCE) && !defined (_DEFAULT_SOURCE)
#   define _POSIX_C_SOURCE 200809L
#endif

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "version.h"
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include "ident.h"

#define GEN_NAME                "sluice-gendata"
#define GEN_DEFAULT_COUNT       5000
#define GEN_MAX_COUNT           1000000     //  keeps 6-digit serials unique
#define GEN_PROGRESS_FROM       10000       //  report progress from this N on
#define GEN_SAMPLE_KEYS         8           //  lines in sample-keys.txt
#define GEN_TEXT_MAX            512         //  longest generated text, bytes
#define GEN_PATH_MAX            4096

//  The data describe the federation as of this day, whatever the clock says,
//  so that a seed always gives the same rows.
#define GEN_REF_YEAR            2026
#define GEN_REF_MONTH           6
#define GEN_REF_DAY             30

//  Exit codes
#define GEN_EXIT_OK             0
#define GEN_EXIT_FAILED         1
#define GEN_EXIT_USAGE          2

static const char s_uscc_alphabet [] = "0123456789ABCDEFGHJKLMNPQRTUWXY";


//  ---------------------------------------------------------------------
//  Pseudo-random numbers: splitmix64, one independent stream per database

typedef struct {
    uint64_t state;
} rng_t;

static uint64_t
s_rng_next (rng_t *rng)
{
    uint64_t z = (rng->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

//  Stream `stream` of `seed`: streams are decorrelated by one round of mixing
static rng_t
s_rng_stream (uint64_t seed, uint64_t stream)
{
    rng_t mixer = { seed ^ (stream * 0xD1B54A32D192ED03ULL) };
    rng_t rng = { s_rng_next (&mixer) };
    return rng;
}

//  Uniform integer in [0, n); n > 0. The bias of the multiply-shift method
//  is below 2^-32 for the small ranges used here.
static uint32_t
s_rng_below (rng_t *rng, uint32_t n)
{
    assert (n > 0);
    return (uint32_t) (((s_rng_next (rng) >> 32) * (uint64_t) n) >> 32);
}

//  Uniform integer in [lo, hi]; returns lo if hi < lo
static int
s_rng_range (rng_t *rng, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int) s_rng_below (rng, (uint32_t) (hi - lo) + 1);
}

//  Uniform double in [0, 1)
static double
s_rng_unit (rng_t *rng)
{
    return (double) (s_rng_next (rng) >> 11) / 9007199254740992.0;
}

//  True with probability permille / 1000
static bool
s_rng_chance (rng_t *rng, int permille)
{
    return (int) s_rng_below (rng, 1000) < permille;
}

static const char *
s_rng_pick (rng_t *rng, const char *const *list, size_t size)
{
    assert (size > 0);
    return list [s_rng_below (rng, (uint32_t) size)];
}

#define PICK(rng, list) s_rng_pick ((rng), (list), sizeof (list) / sizeof ((list) [0]))

//  Index drawn from a table of weights (non-negative, not all zero)
static size_t
s_rng_weighted (rng_t *rng, const int *weights, size_t size)
{
    int total = 0;
    for (size_t index = 0; index < size; index++)
        total += weights [index];
    assert (total > 0);
    int draw = (int) s_rng_below (rng, (uint32_t) total);
    for (size_t index = 0; index < size; index++) {
        if (draw < weights [index])
            return index;
        draw -= weights [index];
    }
    return size - 1;
}

//  Amount in [lo, hi] rounded down to a multiple of `step` (but not below
//  lo), skewed towards lo: small fines and capitals are more common than
//  large ones
static double
s_rng_amount (rng_t *rng, double lo, double hi, double step)
{
    double unit = s_rng_unit (rng);
    double value = lo + (hi - lo) * unit * unit * unit;
    value = (double) (long long) (value / step) * step;
    return value < lo? lo: value;
}


//  ---------------------------------------------------------------------
//  Dates as day numbers (days since 1970-01-01, proleptic Gregorian)

static int
s_day_from_civil (int year, int month, int day)
{
    year -= month <= 2;
    int era = (year >= 0? year: year - 399) / 400;
    int yoe = year - era * 400;
    int doy = (153 * (month + (month > 2? -3: 9)) + 2) / 5 + day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void
s_civil_from_day (int days, int *year, int *month, int *day)
{
    days += 719468;
    int era = (days >= 0? days: days - 146096) / 146097;
    int doe = days - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10? mp + 3: mp - 9;
    *year = yoe + era * 400 + (*month <= 2);
}

//  Writes the ISO date 'YYYY-MM-DD' of a day number into `out` (11 bytes)
static void
s_date_format (int days, char *out)
{
    int year, month, day;
    s_civil_from_day (days, &year, &month, &day);
    snprintf (out, 11, "%04d-%02d-%02d", year, month, day);
}

static int
s_date_year (int days)
{
    int year, month, day;
    s_civil_from_day (days, &year, &month, &day);
    return year;
}

//  The day before the same date `years` later, as on a licence valid for
//  that many years; 29 February becomes 28 February
static int
s_date_expiry (int days, int years)
{
    int year, month, day;
    s_civil_from_day (days, &year, &month, &day);
    if (month == 2 && day == 29)
        day = 28;
    return s_day_from_civil (year + years, month, day) - 1;
}

static int
s_ref_day (void)
{
    return s_day_from_civil (GEN_REF_YEAR, GEN_REF_MONTH, GEN_REF_DAY);
}


//  ---------------------------------------------------------------------
//  Tables of the domain: districts, industries, names, statuses

typedef struct {
    const char *code;           //  GB/T 2260 division, 6 digits
    const char *name;           //  as written in an address
    const char *abbrev;         //  one character, as in case numbers
    int weight;                 //  share of enterprises registered there
    const char *roads [16];     //  NULL-terminated
} district_t;

//  Pudong first: index 0 is the home district of the federation
static const district_t s_districts [] = {
    { "310115", "浦东新区", "浦", 860, {
        "张江路", "碧波路", "祖冲之路", "郭守敬路", "科苑路", "蔡伦路",
        "世纪大道", "陆家嘴环路", "银城中路", "浦东南路", "东方路",
        "杨高南路", "金桥路", "川沙路", "博云路", NULL } },
    { "310101", "黄浦区", "黄", 25, { "南京东路", "淮海中路", "西藏中路", "河南南路", NULL } },
    { "310104", "徐汇区", "徐", 25, { "漕溪北路", "虹桥路", "肇嘉浜路", "宜山路", NULL } },
    { "310105", "长宁区", "长", 15, { "延安西路", "长宁路", "天山路", "仙霞路", NULL } },
    { "310106", "静安区", "静", 25, { "南京西路", "江宁路", "共和新路", "天目西路", NULL } },
    { "310107", "普陀区", "普", 10, { "曹杨路", "真北路", "中山北路", "武宁路", NULL } },
    { "310109", "虹口区", "虹", 10, { "四川北路", "东大名路", "曲阳路", "大连路", NULL } },
    { "310110", "杨浦区", "杨", 10, { "国定路", "黄兴路", "控江路", "长阳路", NULL } },
    { "310112", "闵行区", "闵", 10, { "沪闵路", "莘松路", "七莘路", "剑川路", NULL } },
    { "310113", "宝山区", "宝", 10, { "牡丹江路", "友谊路", "共和新路", "沪太路", NULL } }
};
#define DISTRICT_COUNT (sizeof (s_districts) / sizeof (s_districts [0]))
#define DISTRICT_PUDONG 0

//  Pudong's food and drug inspection offices, by town
static const char *const s_pudong_offices [] = {
    "张江", "陆家嘴", "金桥", "川沙", "周浦", "惠南", "高桥", "三林", "洋泾", "花木"
};

//  Kinds of food business ("主体业态") on a food business licence; the
//  digit starts the licence number
typedef struct {
    const char *name;
    char digit;
} food_kind_t;

static const food_kind_t s_food_kinds [] = {
    { "食品销售经营者", '1' },
    { "餐饮服务经营者", '2' },
    { "单位食堂", '3' }
};

typedef enum {
    FOOD_SALES = 0, FOOD_CATERING, FOOD_CANTEEN
} food_kind_index_t;

typedef struct {
    const char *name;           //  industry as registered
    const char *words [4];      //  industry words in an enterprise name
    const char *scope;          //  business scope
    int weight;                 //  share among enterprises (category '1')
    int food_permille;          //  chance of holding a food business licence
    food_kind_index_t food_kind;
} industry_t;

typedef enum {
    IND_SOFTWARE = 0, IND_RETAIL, IND_CATERING, IND_FOOD, IND_PHARMA,
    IND_LOGISTICS, IND_CONSTRUCTION, IND_BUSINESS, IND_MACHINERY, IND_HOTEL,
    IND_AGRICULTURE, IND_COUNT
} industry_index_t;

#define SCOPE_TAIL "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"

static const industry_t s_industries [IND_COUNT] = {
    { "软件和信息技术服务业", { "科技", "信息技术", "网络科技", "软件" },
      "一般项目：技术服务、技术开发、技术咨询、技术交流、技术转让、技术推广；"
      "软件开发；信息系统集成服务；数据处理服务。" SCOPE_TAIL,
      20, 30, FOOD_CANTEEN },
    { "批发和零售业", { "贸易", "商贸", "实业", "进出口" },
      "许可项目：食品销售。一般项目：日用百货销售；服装服饰批发；五金产品零售；"
      "货物进出口。" SCOPE_TAIL,
      18, 350, FOOD_SALES },
    { "餐饮业", { "餐饮管理", "餐饮", "餐饮服务", "美食" },
      "许可项目：餐饮服务；食品销售。一般项目：餐饮管理；外卖递送服务。" SCOPE_TAIL,
      10, 1000, FOOD_CATERING },
    { "食品制造业", { "食品", "食品科技", "生物食品", "食品工业" },
      "许可项目：食品生产；食品销售。一般项目：食用农产品初加工；食品添加剂销售。"
      SCOPE_TAIL,
      4, 800, FOOD_SALES },
    { "医药制造业", { "生物医药", "医药科技", "生物科技", "药业" },
      "许可项目：药品生产；药品批发；第二类医疗器械生产。一般项目：医学研究和"
      "试验发展；保健食品（预包装）销售。" SCOPE_TAIL,
      6, 150, FOOD_SALES },
    { "交通运输、仓储和邮政业", { "物流", "供应链管理", "国际货运代理", "冷链物流" },
      "许可项目：道路货物运输（不含危险货物）。一般项目：国际货物运输代理；"
      "普通货物仓储服务；供应链管理服务；装卸搬运。" SCOPE_TAIL,
      8, 120, FOOD_SALES },
    { "建筑业", { "建筑工程", "建设工程", "装饰工程", "机电安装工程" },
      "许可项目：建设工程施工；住宅室内装饰装修。一般项目：园林绿化工程施工；"
      "建筑材料销售。" SCOPE_TAIL,
      8, 20, FOOD_CANTEEN },
    { "租赁和商务服务业", { "企业管理咨询", "商务咨询", "投资管理", "会展服务" },
      "一般项目：企业管理咨询；市场营销策划；会议及展览服务；信息咨询服务"
      "（不含许可类信息咨询服务）。" SCOPE_TAIL,
      10, 20, FOOD_CANTEEN },
    { "通用设备制造业", { "机械设备", "智能装备", "自动化设备", "精密机械" },
      "一般项目：通用设备制造（不含特种设备制造）；机械设备研发；机械设备销售；"
      "工业自动控制系统装置制造。" SCOPE_TAIL,
      8, 40, FOOD_CANTEEN },
    { "住宿业", { "酒店管理", "宾馆", "酒店", "酒店管理" },
      "许可项目：住宿服务；餐饮服务；食品销售。一般项目：酒店管理；会议及展览服务。"
      SCOPE_TAIL,
      4, 700, FOOD_CATERING },
    { "农业", { "农业", "果蔬", "蔬菜种植", "水产养殖" },
      "一般项目：蔬菜种植；水果种植；农产品的生产、销售、加工、运输、贮藏及其他"
      "相关服务；食用农产品初加工。" SCOPE_TAIL,
      0, 500, FOOD_SALES }
};

//  Enterprise status in the market register
typedef enum {
    STATUS_ACTIVE = 0, STATUS_OPERATING, STATUS_REVOKED, STATUS_CANCELLED,
    STATUS_COUNT
} firm_status_t;

static const char *const s_statuses [STATUS_COUNT] = {
    "存续", "在业", "吊销", "注销"
};
static const int s_status_weights [STATUS_COUNT] = { 740, 140, 20, 100 };

static const char *const s_surnames [] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
    "马", "朱", "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
    "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁",
    "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "沈",
    "姚", "陆", "顾", "钱", "汪", "范", "金", "施", "倪", "严", "龚", "瞿"
};

static const char *const s_given_male [] = {
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明", "刚", "平",
    "辉", "鹏", "华", "飞", "鑫", "波", "宇", "浩", "凯", "健", "俊", "帆",
    "旭", "宁", "龙", "林", "阳", "建", "国", "志", "文", "峰", "晨", "翔"
};

static const char *const s_given_female [] = {
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "燕", "萍",
    "红", "婷", "雪", "琳", "慧", "莉", "颖", "倩", "洁", "佳", "琴", "云",
    "蕾", "薇", "婧", "怡", "欣", "悦", "晓", "雯"
};

//  Characters of trade names (字号)
static const char *const s_trade_chars [] = {
    "华", "鑫", "创", "瑞", "嘉", "宏", "润", "博", "源", "泰", "盛", "达",
    "恒", "信", "远", "联", "智", "合", "通", "丰", "安", "腾", "祥", "启",
    "明", "新", "汇", "融", "誉", "卓", "航", "星", "晟", "昊", "峰", "浦",
    "江", "金", "银", "美", "优", "佳", "益", "康", "和", "荣", "展", "拓",
    "锦", "德", "鼎", "众", "睿", "凌", "灿", "弘", "骏", "翼", "微", "元"
};

static const char *const s_company_suffixes [] = {
    "有限公司", "有限公司", "有限公司", "有限公司", "有限公司", "有限公司",
    "有限公司", "有限责任公司", "有限责任公司", "股份有限公司"
};

static const char *const s_shop_retail [] = {
    "便利店", "食品商行", "副食品店", "超市", "日用品商店"
};

static const char *const s_shop_catering [] = {
    "小吃店", "面馆", "餐饮店", "饮品店", "点心店"
};

//  Resident identity number address codes of Shanghai: mostly Pudong
static const char *const s_resident_areas [] = {
    "310115", "310115", "310115", "310115", "310115", "310115", "310115",
    "310115", "310101", "310104", "310106", "310110", "310112", "310225"
};

//  Round registered capitals, in units of 10,000 yuan
static const int s_capitals [] = {
    10, 30, 50, 100, 100, 100, 200, 300, 500, 500, 1000, 1000, 2000, 5000, 10000
};

//  A kind of record with its range of money (yuan) and a weight
typedef struct {
    const char *name;
    int min_yuan;
    int max_yuan;
    int weight;
} offence_t;

static const offence_t s_market_offences [] = {
    { "未按规定公示年度报告", 0, 0, 25 },
    { "虚假宣传", 20000, 500000, 15 },
    { "销售不合格产品", 5000, 200000, 15 },
    { "侵犯注册商标专用权", 10000, 300000, 10 },
    { "价格违法行为", 5000, 100000, 10 },
    { "未按规定办理变更登记", 1000, 10000, 15 },
    { "超出核准登记的经营范围经营", 1000, 50000, 10 }
};

//  The decision that revokes a business licence
static const offence_t s_market_revocation = {
    "成立后无正当理由超过六个月未开业或自行停业连续六个月以上", 0, 0, 1
};

static const offence_t s_tax_offences [] = {
    { "逾期申报", 200, 2000, 40 },
    { "未按规定保管发票", 2000, 10000, 20 },
    { "未按规定办理税务变更登记", 500, 2000, 15 },
    { "偷税", 50000, 2000000, 15 },
    { "虚开增值税专用发票", 100000, 5000000, 10 }
};

static const offence_t s_food_offences [] = {
    { "经营超过保质期的食品", 5000, 50000, 25 },
    { "从业人员未取得健康证明从事接触直接入口食品的工作", 2000, 20000, 20 },
    { "未按规定履行进货查验义务", 5000, 50000, 20 },
    { "餐具饮具未按规定清洗消毒", 5000, 30000, 20 },
    { "经营标签不符合规定的预包装食品", 2000, 20000, 15 }
};

//  The food offence of an enterprise that holds no food licence
static const offence_t s_food_unlicensed = {
    "未取得食品经营许可从事食品经营活动", 50000, 200000, 1
};

//  Market licences other than the business licence itself
typedef struct {
    const char *name;
    const char *prefix;         //  licence number prefix
    int years;                  //  validity
} market_licence_t;

static const market_licence_t s_market_licence_kinds [] = {
    { "工业产品生产许可证", "(沪)XK", 5 },
    { "特种设备使用登记证", "梯11沪", 6 },
    { "计量器具型式批准证书", "沪制", 5 },
    { "检验检测机构资质认定证书", "CMA", 6 },
    { "广告发布登记证", "沪广登", 4 }
};

static const char *const s_case_statuses [] = {
    "已履行", "已履行", "已履行", "已履行", "已履行", "已履行",
    "已履行", "未履行", "未履行", "复议中"
};

static const char *const s_tax_case_statuses [] = {
    "已执行", "已执行", "已执行", "已执行", "已结案", "已结案", "执行中", "执行中"
};

//  Inspection results with their weights, score ranges and notes
typedef struct {
    const char *name;
    int weight;
    int min_score;
    int max_score;
    const char *notes [5];
} inspection_result_t;

static const inspection_result_t s_inspection_results [] = {
    { "合格", 800, 85, 100, {
        "未发现问题", "现场检查符合要求", "索证索票资料齐全",
        "未发现问题", "许可证照公示规范" } },
    { "限期整改", 150, 60, 84, {
        "从业人员健康证明过期", "进货查验记录不全", "冷藏设施温度记录缺失",
        "餐具清洗消毒记录不全", "防蝇防鼠设施不完善" } },
    { "不合格", 50, 30, 59, {
        "经营超过保质期的食品", "后厨卫生状况差，存在交叉污染",
        "未按规定贮存食品", "使用无合法来源的食品原料", "无有效健康证明上岗" } }
};
#define INSPECTION_RESULT_COUNT \
    (sizeof (s_inspection_results) / sizeof (s_inspection_results [0]))


//  ---------------------------------------------------------------------
//  The enterprises, drawn first and kept in memory: every database speaks
//  of the same set, and the sample keys need what each database chose.

typedef enum {
    DEPT_MARKET = 0, DEPT_TAX, DEPT_FOOD, DEPT_COUNT
} dept_t;

typedef struct {
    char uscc [19];             //  18 characters and NUL
    char category;              //  '1' enterprise, '2' individual, '3' cooperative
    uint8_t district;           //  index into s_districts
    uint8_t industry;           //  index into s_industries
    uint8_t status;             //  firm_status_t
    int established;            //  day number
    int closed;                 //  day revoked or cancelled, else 0
    bool in_tax;                //  registered with the tax bureau
    bool has_food;              //  holds a food business licence
    bool violation [DEPT_COUNT];
} firm_t;

//  Everything one run needs; no state lives outside it
typedef struct {
    const char *dir;            //  output directory
    int count;                  //  enterprises
    uint64_t seed;
    bool quiet;
    firm_t *firms;              //  count of them, owned
    rng_t rng;                  //  stream of the database being written
    int serial;                 //  running number of licences and cases
    int ref_day;                //  the data's "today"
    const char *file;           //  database being written, for progress
    int rows;                   //  rows written into it
} gen_t;

//  Last day an enterprise did business
static int
s_firm_end (const gen_t *self, const firm_t *firm)
{
    return firm->closed? firm->closed: self->ref_day;
}

static bool
s_firm_is_open (const firm_t *firm)
{
    return firm->status == STATUS_ACTIVE || firm->status == STATUS_OPERATING;
}

//  Draws a GB 11714 organization code with its check character into
//  `out` (9 characters, no NUL). Codes assigned since the USCC reform start
//  "MA"; older ones are 8 digits. A check character that could not stand in
//  a USCC means a new draw.
static void
s_orgcode_draw (rng_t *rng, bool modern, char *out)
{
    for (;;) {
        for (int index = 0; index < 8; index++) {
            if (modern)
                out [index] = s_uscc_alphabet [s_rng_below (rng, 31)];
            else
                out [index] = (char) ('0' + s_rng_below (rng, 10));
        }
        if (modern) {
            out [0] = 'M';
            out [1] = 'A';
        }
        char check = ident_orgcode_check_char (out);
        if (check && strchr (s_uscc_alphabet, check)) {
            out [8] = check;
            return;
        }
    }
}

//  Draws the firm's USCC from its category, district and age
static void
s_uscc_draw (rng_t *rng, firm_t *firm)
{
    const int reform = s_day_from_civil (2015, 10, 1);
    char code [18];
    for (;;) {
        code [0] = '9';
        code [1] = firm->category;
        memcpy (code + 2, s_districts [firm->district].code, 6);
        s_orgcode_draw (rng, firm->established >= reform, code + 8);
        code [17] = ident_uscc_check_char (code);
        if (code [17])
            break;
    }
    memcpy (firm->uscc, code, 18);
    firm->uscc [18] = '\0';
}

//  Open-addressing set of organization codes (characters 9-17 of a USCC),
//  holding firm indexes + 1; keeps USCCs unique
typedef struct {
    uint32_t *slots;
    size_t mask;
} orgset_t;

static uint64_t
s_orgcode_hash (const char *orgcode)
{
    uint64_t hash = 1469598103934665603ULL;
    for (int index = 0; index < 9; index++)
        hash = (hash ^ (uint8_t) orgcode [index]) * 1099511628211ULL;
    return hash;
}

//  Adds firm `index`'s code; returns false if the code is taken already
static bool
s_orgset_insert (orgset_t *set, const firm_t *firms, uint32_t index)
{
    const char *orgcode = firms [index].uscc + 8;
    size_t slot = (size_t) s_orgcode_hash (orgcode) & set->mask;
    while (set->slots [slot]) {
        if (memcmp (firms [set->slots [slot] - 1].uscc + 8, orgcode, 9) == 0)
            return false;
        slot = (slot + 1) & set->mask;
    }
    set->slots [slot] = index + 1;
    return true;
}

//  Category, place, industry, age and status of one enterprise
static void
s_firm_draw (gen_t *self, rng_t *rng, firm_t *firm)
{
    static const int category_weights [] = { 900, 80, 20 };
    int district_weights [DISTRICT_COUNT];
    for (size_t index = 0; index < DISTRICT_COUNT; index++)
        district_weights [index] = s_districts [index].weight;
    int industry_weights [IND_COUNT];
    for (size_t index = 0; index < IND_COUNT; index++)
        industry_weights [index] = s_industries [index].weight;

    memset (firm, 0, sizeof (*firm));
    firm->category = "123" [s_rng_weighted (rng, category_weights, 3)];
    firm->district = (uint8_t) s_rng_weighted (rng, district_weights, DISTRICT_COUNT);
    if (firm->category == '1')
        firm->industry = (uint8_t) s_rng_weighted (rng, industry_weights, IND_COUNT);
    else
    if (firm->category == '2')
        firm->industry = s_rng_chance (rng, 500)? IND_RETAIL: IND_CATERING;
    else
        firm->industry = IND_AGRICULTURE;

    //  Pudong opened in 1990 and has grown since: the larger of two uniform
    //  draws gives a density that rises linearly towards the present
    int first = s_day_from_civil (1992, 1, 1);
    double unit = s_rng_unit (rng);
    double other = s_rng_unit (rng);
    if (other > unit)
        unit = other;
    firm->established = first + (int) ((self->ref_day - first) * unit);

    firm->status = (uint8_t) s_rng_weighted (rng, s_status_weights, STATUS_COUNT);
    if (!s_firm_is_open (firm))
        firm->closed = s_rng_range (rng, firm->established + 1, self->ref_day);
    //  A newly registered enterprise reaches the tax register within weeks
    firm->in_tax = firm->established <= self->ref_day - 45;
}

//  The first enterprise is a dependable demo key: a Pudong restaurant
//  company in business for some years, known to every department
static void
s_firm_make_demo (gen_t *self, rng_t *rng, firm_t *firm)
{
    firm->category = '1';
    firm->district = DISTRICT_PUDONG;
    firm->industry = IND_CATERING;
    firm->status = STATUS_ACTIVE;
    firm->closed = 0;
    firm->established = self->ref_day - s_rng_range (rng, 3 * 365, 10 * 365);
    firm->in_tax = true;
}

//  Draws all enterprises with unique USCCs. Returns 0, or -1 if out of
//  memory.
static int
s_firms_generate (gen_t *self)
{
    self->firms = calloc ((size_t) self->count, sizeof (firm_t));
    orgset_t set = { NULL, 0 };
    size_t slots = 1024;
    while (slots < (size_t) self->count * 2)
        slots *= 2;
    set.slots = calloc (slots, sizeof (uint32_t));
    set.mask = slots - 1;
    if (!self->firms || !set.slots) {
        free (set.slots);
        fprintf (stderr, GEN_NAME ": out of memory for %d enterprises\n", self->count);
        return -1;
    }
    rng_t rng = s_rng_stream (self->seed, 0);
    for (int index = 0; index < self->count; index++) {
        firm_t *firm = &self->firms [index];
        s_firm_draw (self, &rng, firm);
        if (index == 0)
            s_firm_make_demo (self, &rng, firm);
        do
            s_uscc_draw (&rng, firm);
        while (!s_orgset_insert (&set, self->firms, (uint32_t) index));
    }
    free (set.slots);
    return 0;
}


//  ---------------------------------------------------------------------
//  Writing rows

//  Binds one row to `stmt` following `types`, one character per column:
//  't' text (const char *, NULL for SQL NULL), 'i' int, 'r' double. Steps
//  and resets the statement. Returns 0, or -1 after reporting the error.
static int
s_insert (gen_t *self, sqlite3_stmt *stmt, const char *types, ...)
{
    va_list args;
    va_start (args, types);
    int rc = SQLITE_OK;
    for (int column = 1; types [column - 1] && rc == SQLITE_OK; column++) {
        char type = types [column - 1];
        if (type == 't') {
            const char *text = va_arg (args, const char *);
            rc = text? sqlite3_bind_text (stmt, column, text, -1, SQLITE_STATIC)
                     : sqlite3_bind_null (stmt, column);
        }
        else
        if (type == 'i')
            rc = sqlite3_bind_int (stmt, column, va_arg (args, int));
        else {
            assert (type == 'r');
            rc = sqlite3_bind_double (stmt, column, va_arg (args, double));
        }
    }
    va_end (args);
    if (rc == SQLITE_OK)
        rc = sqlite3_step (stmt);
    sqlite3_reset (stmt);
    if (rc != SQLITE_DONE) {
        fprintf (stderr, GEN_NAME ": %s: insert failed: %s\n",
                 self->file, sqlite3_errmsg (sqlite3_db_handle (stmt)));
        return -1;
    }
    self->rows++;
    return 0;
}

//  Prepares each of `count` SQL texts into `stmts`. Returns 0, or -1 after
//  reporting the error (statements prepared so far stay in `stmts`).
static int
s_prepare_all (gen_t *self, sqlite3 *db, const char *const *sql,
               sqlite3_stmt **stmts, size_t count)
{
    for (size_t index = 0; index < count; index++) {
        if (sqlite3_prepare_v2 (db, sql [index], -1, &stmts [index], NULL) != SQLITE_OK) {
            fprintf (stderr, GEN_NAME ": %s: %s\n", self->file, sqlite3_errmsg (db));
            return -1;
        }
    }
    return 0;
}

static void
s_finalize_all (sqlite3_stmt **stmts, size_t count)
{
    for (size_t index = 0; index < count; index++)
        sqlite3_finalize (stmts [index]);
}

//  Reports every 10% of enterprises written, for large runs
static void
s_progress (gen_t *self, int index)
{
    if (self->quiet || self->count < GEN_PROGRESS_FROM)
        return;
    int step = self->count / 10;
    if ((index + 1) % step == 0 && (index + 1) / step <= 10)
        fprintf (stderr, GEN_NAME ": %s %3d%% (%d/%d)\n", self->file,
                 (index + 1) / step * 10, index + 1, self->count);
}


//  ---------------------------------------------------------------------
//  Column generators: names, people, places, money

//  Chinese personal name: surname and one or two characters
static void
s_person_name (rng_t *rng, bool male, char *out, size_t size)
{
    const char *surname = PICK (rng, s_surnames);
    const char *first = male? PICK (rng, s_given_male): PICK (rng, s_given_female);
    const char *second = "";
    if (s_rng_chance (rng, 700))
        second = male? PICK (rng, s_given_male): PICK (rng, s_given_female);
    snprintf (out, size, "%s%s%s", surname, first, second);
}

//  Resident identity number of an adult (22 to 70 at the reference date)
//  with a Shanghai address code; the sequence number is odd for a man
static void
s_resident_id (gen_t *self, rng_t *rng, bool male, char *out)
{
    int year, month, day;
    s_civil_from_day (self->ref_day, &year, &month, &day);
    int oldest = s_day_from_civil (year - 70, month, 1);
    int youngest = s_day_from_civil (year - 22, month, 1);
    int birth = s_rng_range (rng, oldest, youngest);
    s_civil_from_day (birth, &year, &month, &day);
    int sequence = s_rng_range (rng, 1, 499) * 2 + (male? 1: 0);
    if (sequence > 999)
        sequence -= 2;
    char digits [32];
    snprintf (digits, sizeof (digits), "%s%04d%02d%02d%03d",
              PICK (rng, s_resident_areas), year, month, day, sequence);
    assert (strlen (digits) == 17);
    memcpy (out, digits, 17);
    out [17] = ident_resident_check_char (out);
    out [18] = '\0';
    assert (out [17]);
}

//  Trade name: two distinct characters, sometimes three
static void
s_trade_name (rng_t *rng, char *out, size_t size)
{
    const char *first = PICK (rng, s_trade_chars);
    const char *second = first;
    while (second == first)
        second = PICK (rng, s_trade_chars);
    const char *third = "";
    if (s_rng_chance (rng, 250))
        while (*third == '\0' || third == first || third == second)
            third = PICK (rng, s_trade_chars);
    snprintf (out, size, "%s%s%s", first, second, third);
}

//  Registered name, following the form of its category
static void
s_firm_name (rng_t *rng, const firm_t *firm, char *out, size_t size)
{
    const district_t *district = &s_districts [firm->district];
    const industry_t *industry = &s_industries [firm->industry];
    char trade [32];
    s_trade_name (rng, trade, sizeof (trade));
    const char *word = PICK (rng, industry->words);

    if (firm->category == '2') {
        const char *shop = firm->industry == IND_RETAIL
                         ? PICK (rng, s_shop_retail): PICK (rng, s_shop_catering);
        snprintf (out, size, "%s%s%s", district->name, trade, shop);
    }
    else
    if (firm->category == '3') {
        const char *place = firm->district == DISTRICT_PUDONG? "上海浦东": "上海";
        snprintf (out, size, "%s%s%s专业合作社", place, trade, word);
    }
    else {
        const char *place = "上海";
        if (firm->district == DISTRICT_PUDONG && s_rng_chance (rng, 500))
            place = "上海浦东";
        snprintf (out, size, "%s%s%s%s", place, trade, word,
                  PICK (rng, s_company_suffixes));
    }
}

//  Address in the firm's district: road, number, and often a unit
static void
s_address (rng_t *rng, const firm_t *firm, char *out, size_t size)
{
    const district_t *district = &s_districts [firm->district];
    size_t roads = 0;
    while (district->roads [roads])
        roads++;
    const char *road = district->roads [s_rng_below (rng, (uint32_t) roads)];
    int number = s_rng_range (rng, 1, 2999);
    int kind = (int) s_rng_below (rng, 3);
    if (kind == 0)
        snprintf (out, size, "上海市%s%s%d号", district->name, road, number);
    else
    if (kind == 1)
        snprintf (out, size, "上海市%s%s%d号%d幢%d室", district->name, road,
                  number, s_rng_range (rng, 1, 12), s_rng_range (rng, 101, 1808));
    else
        snprintf (out, size, "上海市%s%s%d号%d层", district->name, road,
                  number, s_rng_range (rng, 1, 30));
}

//  Registered capital in 10,000 yuan
static double
s_capital (rng_t *rng, const firm_t *firm)
{
    if (firm->category == '2')
        return (double) s_rng_range (rng, 1, 50);
    if (firm->category == '3')
        return s_rng_amount (rng, 10, 500, 1);
    if (s_rng_chance (rng, 800))
        return (double) s_capitals [s_rng_below (rng, sizeof (s_capitals) / sizeof (s_capitals [0]))];
    return s_rng_amount (rng, 10, 5000, 0.01);
}

//  Head count: most enterprises are small
static int
s_employees (rng_t *rng, const firm_t *firm)
{
    static const int weights [] = { 600, 250, 120, 30 };
    static const int upper [] = { 20, 100, 500, 5000 };
    if (firm->category == '2')
        return s_rng_range (rng, 1, 8);
    size_t bracket = s_rng_weighted (rng, weights, 4);
    return s_rng_range (rng, bracket? upper [bracket - 1] + 1: 1, upper [bracket]);
}

static const offence_t *
s_offence_pick (rng_t *rng, const offence_t *table, size_t size)
{
    int weights [16];
    assert (size <= 16);
    for (size_t index = 0; index < size; index++)
        weights [index] = table [index].weight;
    return &table [s_rng_weighted (rng, weights, size)];
}

#define OFFENCE_PICK(rng, table) \
    s_offence_pick ((rng), (table), sizeof (table) / sizeof ((table) [0]))

//  Amount of money for an offence, in yuan rounded to 100
static double
s_offence_amount (rng_t *rng, const offence_t *offence)
{
    if (offence->max_yuan == 0)
        return 0;
    return s_rng_amount (rng, offence->min_yuan, offence->max_yuan, 100);
}

//  Day of a decision: after the firm's first half year, before its end
static int
s_decision_day (gen_t *self, const firm_t *firm)
{
    int end = s_firm_end (self, firm);
    int start = firm->established + 180;
    if (start > end)
        start = firm->established;
    return s_rng_range (&self->rng, start, end);
}

//  Number of records for a firm that has some: mostly one
static int
s_record_count (rng_t *rng)
{
    return s_rng_chance (rng, 800)? 1: s_rng_range (rng, 2, 3);
}


//  ---------------------------------------------------------------------
//  market.db: the market regulation administration's register

static const char s_market_schema [] =
    "CREATE TABLE enterprise (\n"
    "  uscc TEXT PRIMARY KEY NOT NULL,\n"     //  unified social credit code
    "  name TEXT NOT NULL,\n"
    "  legal_rep TEXT NOT NULL,\n"            //  legal representative
    "  legal_rep_id TEXT NOT NULL,\n"         //  resident identity number
    "  address TEXT NOT NULL,\n"
    "  reg_capital_wan REAL NOT NULL,\n"      //  registered capital, 10,000 yuan
    "  established TEXT NOT NULL,\n"          //  YYYY-MM-DD
    "  status TEXT NOT NULL,\n"               //  存续 在业 吊销 注销
    "  business_scope TEXT NOT NULL,\n"
    "  industry TEXT NOT NULL,\n"
    "  employees INTEGER NOT NULL);\n"
    "CREATE TABLE licence (\n"
    "  uscc TEXT NOT NULL,\n"
    "  licence_no TEXT PRIMARY KEY NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  issued TEXT NOT NULL,\n"
    "  expires TEXT NOT NULL);\n"
    "CREATE TABLE violation (\n"
    "  uscc TEXT NOT NULL,\n"
    "  case_no TEXT PRIMARY KEY NOT NULL,\n"  //  decision number
    "  decided TEXT NOT NULL,\n"
    "  authority TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  penalty REAL NOT NULL,\n"              //  fine, yuan; 0 for none
    "  status TEXT NOT NULL);\n";             //  已履行 未履行 复议中

static const char s_market_indexes [] =
    "CREATE INDEX licence_uscc ON licence (uscc);"
    "CREATE INDEX violation_uscc ON violation (uscc);";

enum { MARKET_ENTERPRISE, MARKET_LICENCE, MARKET_VIOLATION, MARKET_STMTS };

static const char *const s_market_sql [MARKET_STMTS] = {
    "INSERT INTO enterprise (uscc, name, legal_rep, legal_rep_id, address,"
    " reg_capital_wan, established, status, business_scope, industry, employees)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "INSERT INTO licence (uscc, licence_no, kind, issued, expires)"
    " VALUES (?, ?, ?, ?, ?)",
    "INSERT INTO violation (uscc, case_no, decided, authority, kind, penalty, status)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
};

static int
s_market_enterprise (gen_t *self, sqlite3_stmt *stmt, const firm_t *firm)
{
    rng_t *rng = &self->rng;
    char name [GEN_TEXT_MAX], address [GEN_TEXT_MAX];
    char legal_rep [64], legal_rep_id [19], established [11];
    bool male = s_rng_chance (rng, 700);
    s_firm_name (rng, firm, name, sizeof (name));
    s_person_name (rng, male, legal_rep, sizeof (legal_rep));
    s_resident_id (self, rng, male, legal_rep_id);
    s_address (rng, firm, address, sizeof (address));
    s_date_format (firm->established, established);
    const industry_t *industry = &s_industries [firm->industry];
    return s_insert (self, stmt, "tttttrtttti", firm->uscc, name, legal_rep,
                     legal_rep_id, address, s_capital (rng, firm), established,
                     s_statuses [firm->status], industry->scope, industry->name,
                     s_employees (rng, firm));
}

//  About one enterprise in seven holds a licence beyond its business licence
static int
s_market_licences (gen_t *self, sqlite3_stmt *stmt, const firm_t *firm)
{
    rng_t *rng = &self->rng;
    if (firm->category != '1' || !s_rng_chance (rng, 150))
        return 0;
    int count = s_record_count (rng);
    for (int index = 0; index < count; index++) {
        size_t kinds = sizeof (s_market_licence_kinds) / sizeof (s_market_licence_kinds [0]);
        size_t kind = 1 + s_rng_below (rng, (uint32_t) kinds - 1);
        if ((firm->industry == IND_MACHINERY || firm->industry == IND_FOOD)
        &&  s_rng_chance (rng, 600))
            kind = 0;
        const market_licence_t *licence = &s_market_licence_kinds [kind];
        int end = s_firm_end (self, firm);
        int from = end - licence->years * 365 + 30;
        int issued = s_rng_range (rng, from > firm->established? from: firm->established, end);
        char number [64], issued_text [11], expires_text [11];
        snprintf (number, sizeof (number), "%s%d%06d", licence->prefix,
                  s_date_year (issued), ++self->serial);
        s_date_format (issued, issued_text);
        s_date_format (s_date_expiry (issued, licence->years), expires_text);
        if (s_insert (self, stmt, "ttttt", firm->uscc, number, licence->name,
                      issued_text, expires_text))
            return -1;
    }
    return 0;
}

static int
s_market_violation (gen_t *self, sqlite3_stmt *stmt, const firm_t *firm,
                    const offence_t *offence, int decided)
{
    rng_t *rng = &self->rng;
    const district_t *district = &s_districts [firm->district];
    char authority [128], case_no [128], decided_text [11];
    const char *abbrev = district->abbrev;
    if (s_rng_chance (rng, 100)) {
        snprintf (authority, sizeof (authority), "上海市市场监督管理局");
        abbrev = "总";
    }
    else
        snprintf (authority, sizeof (authority), "上海市%s市场监督管理局", district->name);
    int year = s_date_year (decided);
    snprintf (case_no, sizeof (case_no), "沪市监%s处〔%d〕15%d%06d号",
              abbrev, year, year, ++self->serial);
    s_date_format (decided, decided_text);
    const char *status = offence->max_yuan? PICK (rng, s_case_statuses): "已履行";
    return s_insert (self, stmt, "tttttrt", firm->uscc, case_no, decided_text,
                     authority, offence->name, s_offence_amount (rng, offence),
                     status);
}

//  About 3% of enterprises have decisions against them: every revoked
//  enterprise (2%) has the decision that revoked it, and 1.2% have others
static int
s_market_violations (gen_t *self, sqlite3_stmt *stmt, firm_t *firm, bool demo)
{
    rng_t *rng = &self->rng;
    if (firm->status == STATUS_REVOKED) {
        firm->violation [DEPT_MARKET] = true;
        if (s_market_violation (self, stmt, firm, &s_market_revocation, firm->closed))
            return -1;
    }
    if (!demo && !s_rng_chance (rng, 12))
        return 0;
    firm->violation [DEPT_MARKET] = true;
    int count = s_record_count (rng);
    for (int index = 0; index < count; index++) {
        const offence_t *offence = OFFENCE_PICK (rng, s_market_offences);
        if (s_market_violation (self, stmt, firm, offence, s_decision_day (self, firm)))
            return -1;
    }
    return 0;
}

static int
s_market_fill (gen_t *self, sqlite3 *db)
{
    sqlite3_stmt *stmts [MARKET_STMTS] = { NULL };
    int rc = s_prepare_all (self, db, s_market_sql, stmts, MARKET_STMTS);
    for (int index = 0; index < self->count && rc == 0; index++) {
        firm_t *firm = &self->firms [index];
        if (s_market_enterprise (self, stmts [MARKET_ENTERPRISE], firm)
        ||  s_market_licences (self, stmts [MARKET_LICENCE], firm)
        ||  s_market_violations (self, stmts [MARKET_VIOLATION], firm, index == 0))
            rc = -1;
        s_progress (self, index);
    }
    s_finalize_all (stmts, MARKET_STMTS);
    return rc;
}


//  ---------------------------------------------------------------------
//  tax.db: the tax bureau's register of taxpayers

static const char s_tax_schema [] =
    "CREATE TABLE taxpayer (\n"
    "  uscc TEXT PRIMARY KEY NOT NULL,\n"
    "  tax_status TEXT NOT NULL,\n"           //  正常 非正常户 注销
    "  credit_rating TEXT NOT NULL,\n"        //  A B M C D
    "  arrears_yuan REAL NOT NULL,\n"
    "  last_filing TEXT,\n"                   //  YYYY-MM-DD, NULL if never
    "  vat_general INTEGER NOT NULL);\n"      //  1: general VAT taxpayer
    "CREATE TABLE violation (\n"
    "  uscc TEXT NOT NULL,\n"
    "  case_no TEXT PRIMARY KEY NOT NULL,\n"
    "  decided TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  amount REAL NOT NULL,\n"               //  yuan
    "  status TEXT NOT NULL);\n";             //  已执行 已结案 执行中

static const char s_tax_indexes [] =
    "CREATE INDEX violation_uscc ON violation (uscc);";

enum { TAX_TAXPAYER, TAX_VIOLATION, TAX_STMTS };

static const char *const s_tax_sql [TAX_STMTS] = {
    "INSERT INTO taxpayer (uscc, tax_status, credit_rating, arrears_yuan,"
    " last_filing, vat_general) VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO violation (uscc, case_no, decided, kind, amount, status)"
    " VALUES (?, ?, ?, ?, ?, ?)"
};

typedef enum {
    TAX_NORMAL = 0, TAX_ABNORMAL, TAX_CANCELLED
} tax_status_t;

static const char *const s_tax_statuses [] = { "正常", "非正常户", "注销" };

static tax_status_t
s_tax_status (rng_t *rng, const firm_t *firm)
{
    if (firm->status == STATUS_CANCELLED)
        return s_rng_chance (rng, 950)? TAX_CANCELLED: TAX_ABNORMAL;
    if (firm->status == STATUS_REVOKED)
        return s_rng_chance (rng, 700)? TAX_ABNORMAL: TAX_CANCELLED;
    return s_rng_chance (rng, 30)? TAX_ABNORMAL: TAX_NORMAL;
}

static const char *
s_credit_rating (gen_t *self, tax_status_t status, const firm_t *firm)
{
    static const char *const ratings [] = { "A", "B", "M", "C", "D" };
    static const int weights [] = { 25, 50, 10, 10, 5 };
    if (status == TAX_ABNORMAL)
        return "D";
    if (firm->established > self->ref_day - 365)
        return "M";                     //  new taxpayers are rated M
    return ratings [s_rng_weighted (&self->rng, weights, 5)];
}

//  Last monthly filing: by the 15th of a recent month for a normal
//  taxpayer, long ago for the others. Writes "" if the firm never filed.
static void
s_last_filing (gen_t *self, tax_status_t status, const firm_t *firm, char *out)
{
    rng_t *rng = &self->rng;
    int end = s_firm_end (self, firm);
    int day;
    if (status == TAX_NORMAL) {
        int year, month, unused;
        s_civil_from_day (self->ref_day - 28 * (int) s_rng_below (rng, 2), &year, &month, &unused);
        day = s_day_from_civil (year, month, s_rng_range (rng, 1, 15));
    }
    else
    if (status == TAX_ABNORMAL)
        day = end - s_rng_range (rng, 180, 1000);
    else
        day = end - s_rng_range (rng, 0, 90);
    if (day <= firm->established)
        out [0] = '\0';
    else
        s_date_format (day, out);
}

static int
s_tax_taxpayer (gen_t *self, sqlite3_stmt *stmt, const firm_t *firm,
                tax_status_t status)
{
    rng_t *rng = &self->rng;
    double arrears = 0;
    if (status == TAX_NORMAL && s_rng_chance (rng, 60))
        arrears = s_rng_amount (rng, 100, 50000, 0.01);
    else
    if (status == TAX_ABNORMAL && s_rng_chance (rng, 600))
        arrears = s_rng_amount (rng, 1000, 2000000, 0.01);
    int vat_permille = firm->category == '1'? 450: firm->category == '2'? 20: 100;
    int vat_general = s_rng_chance (rng, vat_permille)? 1: 0;
    const char *rating = s_credit_rating (self, status, firm);
    char last_filing [11];
    s_last_filing (self, status, firm, last_filing);
    return s_insert (self, stmt, "tttrti", firm->uscc, s_tax_statuses [status],
                     rating, arrears, last_filing [0]? last_filing: NULL,
                     vat_general);
}

//  About 2% of taxpayers have been penalized, abnormal ones far more often
static int
s_tax_violations (gen_t *self, sqlite3_stmt *stmt, firm_t *firm,
                  tax_status_t status)
{
    rng_t *rng = &self->rng;
    if (!s_rng_chance (rng, status == TAX_ABNORMAL? 80: 17))
        return 0;
    firm->violation [DEPT_TAX] = true;
    int count = s_record_count (rng);
    for (int index = 0; index < count; index++) {
        const offence_t *offence = OFFENCE_PICK (rng, s_tax_offences);
        int decided = s_decision_day (self, firm);
        char case_no [128], decided_text [11];
        snprintf (case_no, sizeof (case_no), "沪%s税稽罚〔%d〕%06d号",
                  s_districts [firm->district].abbrev, s_date_year (decided),
                  ++self->serial);
        s_date_format (decided, decided_text);
        if (s_insert (self, stmt, "ttttrt", firm->uscc, case_no, decided_text,
                      offence->name, s_offence_amount (rng, offence),
                      PICK (rng, s_tax_case_statuses)))
            return -1;
    }
    return 0;
}

static int
s_tax_fill (gen_t *self, sqlite3 *db)
{
    sqlite3_stmt *stmts [TAX_STMTS] = { NULL };
    int rc = s_prepare_all (self, db, s_tax_sql, stmts, TAX_STMTS);
    for (int index = 0; index < self->count && rc == 0; index++) {
        firm_t *firm = &self->firms [index];
        if (firm->in_tax) {
            tax_status_t status = s_tax_status (&self->rng, firm);
            if (s_tax_taxpayer (self, stmts [TAX_TAXPAYER], firm, status)
            ||  s_tax_violations (self, stmts [TAX_VIOLATION], firm, status))
                rc = -1;
        }
        s_progress (self, index);
    }
    s_finalize_all (stmts, TAX_STMTS);
    return rc;
}


//  ---------------------------------------------------------------------
//  food.db: the food and drug administration's licences and inspections

static const char s_food_schema [] =
    "CREATE TABLE food_licence (\n"
    "  uscc TEXT PRIMARY KEY NOT NULL,\n"
    "  licence_no TEXT NOT NULL UNIQUE,\n"    //  JY and 14 digits
    "  category TEXT NOT NULL,\n"
    "  issued TEXT NOT NULL,\n"
    "  expires TEXT NOT NULL,\n"
    "  status TEXT NOT NULL);\n"              //  有效 注销 吊销
    "CREATE TABLE inspection (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  uscc TEXT NOT NULL,\n"
    "  inspected TEXT NOT NULL,\n"
    "  result TEXT NOT NULL,\n"               //  合格 限期整改 不合格
    "  inspector_unit TEXT NOT NULL,\n"
    "  notes TEXT NOT NULL,\n"
    "  score INTEGER NOT NULL);\n"            //  0..100
    "CREATE TABLE violation (\n"
    "  uscc TEXT NOT NULL,\n"
    "  case_no TEXT PRIMARY KEY NOT NULL,\n"
    "  decided TEXT NOT NULL,\n"
    "  authority TEXT NOT NULL,\n"
    "  kind TEXT NOT NULL,\n"
    "  penalty REAL NOT NULL,\n"
    "  status TEXT NOT NULL);\n";

static const char s_food_indexes [] =
    "CREATE INDEX inspection_uscc ON inspection (uscc, inspected);"
    "CREATE INDEX violation_uscc ON violation (uscc);";

enum { FOOD_LICENCE, FOOD_INSPECTION, FOOD_VIOLATION, FOOD_STMTS };

static const char *const s_food_sql [FOOD_STMTS] = {
    "INSERT INTO food_licence (uscc, licence_no, category, issued, expires, status)"
    " VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO inspection (uscc, inspected, result, inspector_unit, notes, score)"
    " VALUES (?, ?, ?, ?, ?, ?)",
    "INSERT INTO violation (uscc, case_no, decided, authority, kind, penalty, status)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
};

//  Food business licence number: "JY", the kind digit, the division, a
//  6-digit serial and a check digit (weights 3 and 1, as in EAN)
static void
s_food_licence_no (gen_t *self, const firm_t *firm, char kind_digit, char *out)
{
    char digits [15];
    snprintf (digits, sizeof (digits), "%c%s%06d", kind_digit,
              s_districts [firm->district].code, ++self->serial);
    int sum = 0;
    for (int index = 0; index < 13; index++)
        sum += (digits [index] - '0') * (index % 2? 1: 3);
    digits [13] = (char) ('0' + (10 - sum % 10) % 10);
    digits [14] = '\0';
    snprintf (out, 17, "JY%s", digits);
}

//  Writes the licence; returns its issue day, or -1 on error
static int
s_food_licence (gen_t *self, sqlite3_stmt *stmt, const firm_t *firm)
{
    rng_t *rng = &self->rng;
    const food_kind_t *kind = &s_food_kinds [s_industries [firm->industry].food_kind];
    int end = s_firm_end (self, firm);
    int from = end - 5 * 365 + 30;
    int issued = s_rng_range (rng, from > firm->established? from: firm->established, end);
    const char *status = "有效";
    if (firm->status == STATUS_REVOKED)
        status = s_rng_chance (rng, 500)? "吊销": "注销";
    else
    if (firm->status == STATUS_CANCELLED || s_rng_chance (rng, 30))
        status = "注销";
    char number [17], issued_text [11], expires_text [11];
    s_food_licence_no (self, firm, kind->digit, number);
    s_date_format (issued, issued_text);
    s_date_format (s_date_expiry (issued, 5), expires_text);
    if (s_insert (self, stmt, "tttttt", firm->uscc, number, kind->name,
                  issued_text, expires_text, status))
        return -1;
    return issued;
}

static void
s_inspector_unit (rng_t *rng, const firm_t *firm, char *out, size_t size)
{
    if (firm->district == DISTRICT_PUDONG)
        snprintf (out, size, "浦东新区食品药品监督管理局%s监管所",
                  PICK (rng, s_pudong_offices));
    else
        snprintf (out, size, "%s食品药品监督管理局执法大队",
                  s_districts [firm->district].name);
}

//  One to four inspections since the licence was issued (at most three
//  years back)
static int
s_food_inspections (gen_t *self, sqlite3_stmt *stmt, const firm_t *firm, int issued)
{
    rng_t *rng = &self->rng;
    int weights [INSPECTION_RESULT_COUNT];
    for (size_t index = 0; index < INSPECTION_RESULT_COUNT; index++)
        weights [index] = s_inspection_results [index].weight;
    int from = self->ref_day - 3 * 365;
    if (from < issued)
        from = issued;
    int count = s_rng_range (rng, 1, 4);
    for (int index = 0; index < count; index++) {
        const inspection_result_t *result =
            &s_inspection_results [s_rng_weighted (rng, weights, INSPECTION_RESULT_COUNT)];
        char unit [GEN_TEXT_MAX], inspected [11];
        s_inspector_unit (rng, firm, unit, sizeof (unit));
        s_date_format (s_rng_range (rng, from, s_firm_end (self, firm)), inspected);
        if (s_insert (self, stmt, "ttttti", firm->uscc, inspected, result->name,
                      unit, PICK (rng, result->notes),
                      s_rng_range (rng, result->min_score, result->max_score)))
            return -1;
    }
    return 0;
}

//  About 2% of enterprises: mostly licence holders, a few that sold food
//  without a licence
static int
s_food_violations (gen_t *self, sqlite3_stmt *stmt, firm_t *firm)
{
    rng_t *rng = &self->rng;
    if (!s_rng_chance (rng, firm->has_food? 60: 3))
        return 0;
    firm->violation [DEPT_FOOD] = true;
    const district_t *district = &s_districts [firm->district];
    int count = firm->has_food? s_record_count (rng): 1;
    for (int index = 0; index < count; index++) {
        const offence_t *offence = firm->has_food
                                 ? OFFENCE_PICK (rng, s_food_offences): &s_food_unlicensed;
        int decided = s_decision_day (self, firm);
        char authority [128], case_no [128], decided_text [11];
        snprintf (authority, sizeof (authority), "上海市%s食品药品监督管理局",
                  district->name);
        snprintf (case_no, sizeof (case_no), "沪%s食药监罚〔%d〕%06d号",
                  district->abbrev, s_date_year (decided), ++self->serial);
        s_date_format (decided, decided_text);
        if (s_insert (self, stmt, "tttttrt", firm->uscc, case_no,
                      decided_text, authority, offence->name,
                      s_offence_amount (rng, offence), PICK (rng, s_case_statuses)))
            return -1;
    }
    return 0;
}

static int
s_food_fill (gen_t *self, sqlite3 *db)
{
    sqlite3_stmt *stmts [FOOD_STMTS] = { NULL };
    int rc = s_prepare_all (self, db, s_food_sql, stmts, FOOD_STMTS);
    for (int index = 0; index < self->count && rc == 0; index++) {
        firm_t *firm = &self->firms [index];
        const industry_t *industry = &s_industries [firm->industry];
        firm->has_food = index == 0 || s_rng_chance (&self->rng, industry->food_permille);
        if (firm->has_food) {
            int issued = s_food_licence (self, stmts [FOOD_LICENCE], firm);
            if (issued < 0
            ||  s_food_inspections (self, stmts [FOOD_INSPECTION], firm, issued))
                rc = -1;
        }
        if (rc == 0 && s_food_violations (self, stmts [FOOD_VIOLATION], firm))
            rc = -1;
        s_progress (self, index);
    }
    s_finalize_all (stmts, FOOD_STMTS);
    return rc;
}


//  ---------------------------------------------------------------------
//  Databases and files

typedef struct {
    const char *file;
    const char *schema;
    const char *indexes;
    int (*fill) (gen_t *self, sqlite3 *db);
} database_t;

static const database_t s_databases [DEPT_COUNT] = {
    { "market.db", s_market_schema, s_market_indexes, s_market_fill },
    { "tax.db", s_tax_schema, s_tax_indexes, s_tax_fill },
    { "food.db", s_food_schema, s_food_indexes, s_food_fill }
};

#define SAMPLE_KEYS_FILE "sample-keys.txt"

//  Files SQLite may keep beside a database
static const char *const s_db_suffixes [] = { "", "-wal", "-shm", "-journal" };
#define DB_SUFFIX_COUNT (sizeof (s_db_suffixes) / sizeof (s_db_suffixes [0]))

//  Writes "dir/file" + suffix into `out`. Returns 0, or -1 if too long.
static int
s_path (char *out, const char *dir, const char *file, const char *suffix)
{
    int size = snprintf (out, GEN_PATH_MAX, "%s/%s%s", dir, file, suffix);
    if (size < 0 || size >= GEN_PATH_MAX) {
        fprintf (stderr, GEN_NAME ": path too long: %s/%s\n", dir, file);
        return -1;
    }
    return 0;
}

static bool
s_exists (const char *path)
{
    struct stat info;
    return stat (path, &info) == 0;
}

//  Removes a database written under `file` in `dir`, with its side files
static void
s_db_remove (const char *dir, const char *file)
{
    char path [GEN_PATH_MAX];
    for (size_t index = 0; index < DB_SUFFIX_COUNT; index++)
        if (s_path (path, dir, file, s_db_suffixes [index]) == 0)
            unlink (path);
}

//  Runs SQL text of several statements. Returns 0, or -1 after reporting.
static int
s_exec (gen_t *self, sqlite3 *db, const char *sql)
{
    char *error = NULL;
    if (sqlite3_exec (db, sql, NULL, NULL, &error) != SQLITE_OK) {
        fprintf (stderr, GEN_NAME ": %s: %s\n", self->file,
                 error? error: sqlite3_errmsg (db));
        sqlite3_free (error);
        return -1;
    }
    return 0;
}

//  Writes one department's database as DIR/<file>.part: fast loading in
//  one transaction, indexes after the rows, and a plain rollback journal at
//  the end so that the file stands alone and a read-only gateway can open
//  it. Returns 0, or -1 after reporting (the partial file is removed).
static int
s_database_write (gen_t *self, dept_t dept)
{
    const database_t *spec = &s_databases [dept];
    char part [GEN_PATH_MAX], name [64];
    snprintf (name, sizeof (name), "%s.part", spec->file);
    if (s_path (part, self->dir, name, ""))
        return -1;
    s_db_remove (self->dir, name);

    self->file = spec->file;
    self->rng = s_rng_stream (self->seed, (uint64_t) dept + 1);
    self->serial = 0;
    self->rows = 0;

    sqlite3 *db = NULL;
    int rc = -1;
    if (sqlite3_open_v2 (part, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                         NULL) != SQLITE_OK)
        fprintf (stderr, GEN_NAME ": cannot create %s: %s\n", part,
                 db? sqlite3_errmsg (db): "out of memory");
    else
    if (s_exec (self, db, "PRAGMA journal_mode = WAL;"
                          "PRAGMA synchronous = OFF;"
                          "PRAGMA cache_size = -65536;") == 0
    &&  s_exec (self, db, spec->schema) == 0
    &&  s_exec (self, db, "BEGIN") == 0
    &&  spec->fill (self, db) == 0
    &&  s_exec (self, db, "COMMIT") == 0
    &&  s_exec (self, db, spec->indexes) == 0
    &&  s_exec (self, db, "ANALYZE;"
                          "PRAGMA synchronous = FULL;"
                          "PRAGMA journal_mode = DELETE;") == 0)
        rc = 0;
    if (sqlite3_close (db) != SQLITE_OK && rc == 0) {
        fprintf (stderr, GEN_NAME ": %s: %s\n", spec->file, sqlite3_errmsg (db));
        rc = -1;
    }
    if (rc)
        s_db_remove (self->dir, name);
    else
    if (!self->quiet)
        fprintf (stderr, GEN_NAME ": %s: %d rows\n", spec->file, self->rows);
    return rc;
}

//  True if the firm is a good demo key: in every database, with a food
//  licence and at least one violation somewhere
static bool
s_firm_is_sample (const firm_t *firm)
{
    return firm->in_tax && firm->has_food
        && (firm->violation [DEPT_MARKET] || firm->violation [DEPT_TAX]
         || firm->violation [DEPT_FOOD]);
}

//  Chooses sample keys into `chosen`: the first enterprise, then the first
//  sample with a violation in each department, then more samples in order.
//  Returns how many.
static size_t
s_sample_choose (const gen_t *self, int *chosen)
{
    size_t count = 0;
    chosen [count++] = 0;
    for (int pass = 0; pass <= DEPT_COUNT; pass++) {
        for (int index = 1; index < self->count && count < GEN_SAMPLE_KEYS; index++) {
            const firm_t *firm = &self->firms [index];
            if (!s_firm_is_sample (firm)
            ||  (pass < DEPT_COUNT && !firm->violation [pass]))
                continue;
            bool seen = false;
            for (size_t taken = 0; taken < count; taken++)
                seen |= chosen [taken] == index;
            if (!seen) {
                chosen [count++] = index;
                if (pass < DEPT_COUNT)
                    break;      //  one per department in the first passes
            }
        }
    }
    return count;
}

//  Writes DIR/sample-keys.txt.part, one USCC a line. Returns 0 or -1.
static int
s_sample_keys_write (gen_t *self)
{
    char path [GEN_PATH_MAX];
    if (s_path (path, self->dir, SAMPLE_KEYS_FILE, ".part"))
        return -1;
    int chosen [GEN_SAMPLE_KEYS];
    size_t count = s_sample_choose (self, chosen);
    FILE *file = fopen (path, "w");
    if (!file) {
        fprintf (stderr, GEN_NAME ": cannot write %s: %s\n", path, strerror (errno));
        return -1;
    }
    for (size_t index = 0; index < count; index++)
        fprintf (file, "%s\n", self->firms [chosen [index]].uscc);
    if (fclose (file) != 0) {
        fprintf (stderr, GEN_NAME ": cannot write %s: %s\n", path, strerror (errno));
        unlink (path);
        return -1;
    }
    return 0;
}

//  Moves DIR/<file>.part over DIR/<file>; stale side files of an older
//  database go first, so that SQLite never pairs them with the new one
static int
s_install (const char *dir, const char *file, bool database)
{
    char part [GEN_PATH_MAX], target [GEN_PATH_MAX];
    if (s_path (part, dir, file, ".part") || s_path (target, dir, file, ""))
        return -1;
    if (database) {
        char side [GEN_PATH_MAX];
        for (size_t index = 1; index < DB_SUFFIX_COUNT; index++)
            if (s_path (side, dir, file, s_db_suffixes [index]) == 0)
                unlink (side);
    }
    if (rename (part, target) != 0) {
        fprintf (stderr, GEN_NAME ": cannot rename %s to %s: %s\n", part, target,
                 strerror (errno));
        return -1;
    }
    return 0;
}

//  Checks that DIR is usable (creating it if missing) and that no output
//  exists unless `force`. Returns 0, or GEN_EXIT_USAGE / GEN_EXIT_FAILED
//  after reporting.
static int
s_outputs_check (const char *dir, bool force)
{
    struct stat info;
    if (stat (dir, &info) != 0) {
        if (mkdir (dir, 0755) != 0) {
            fprintf (stderr, GEN_NAME ": cannot create %s: %s\n", dir, strerror (errno));
            return GEN_EXIT_FAILED;
        }
        return 0;
    }
    if (!S_ISDIR (info.st_mode)) {
        fprintf (stderr, GEN_NAME ": %s is not a directory\n", dir);
        return GEN_EXIT_USAGE;
    }
    if (force)
        return 0;
    char path [GEN_PATH_MAX];
    for (int dept = 0; dept <= DEPT_COUNT; dept++) {
        const char *file = dept < DEPT_COUNT? s_databases [dept].file: SAMPLE_KEYS_FILE;
        for (size_t index = 0; index < DB_SUFFIX_COUNT; index++) {
            if (s_path (path, dir, file, s_db_suffixes [index]))
                return GEN_EXIT_USAGE;
            if (s_exists (path)) {
                fprintf (stderr, GEN_NAME ": %s exists; use --force to overwrite\n",
                         path);
                return GEN_EXIT_USAGE;
            }
        }
    }
    return 0;
}

//  Generates everything. Returns an exit code.
static int
s_generate (gen_t *self, bool force)
{
    int rc = s_outputs_check (self->dir, force);
    if (rc)
        return rc;
    time_t started = time (NULL);
    if (s_firms_generate (self))
        return GEN_EXIT_FAILED;

    int written = 0;
    for (; written < DEPT_COUNT; written++)
        if (s_database_write (self, (dept_t) written))
            break;
    if (written == DEPT_COUNT && s_sample_keys_write (self) == 0) {
        for (int dept = 0; dept < DEPT_COUNT && rc == 0; dept++)
            rc = s_install (self->dir, s_databases [dept].file, true);
        if (rc == 0)
            rc = s_install (self->dir, SAMPLE_KEYS_FILE, false);
        if (rc == 0 && !self->quiet)
            fprintf (stderr, GEN_NAME ": wrote %d enterprises to %s in %.0f s"
                     " (seed %" PRIu64 ")\n", self->count, self->dir,
                     difftime (time (NULL), started), self->seed);
        if (rc)
            rc = GEN_EXIT_FAILED;
    }
    else {
        //  Nothing is installed unless everything was written
        char name [64];
        for (int dept = 0; dept < written; dept++) {
            snprintf (name, sizeof (name), "%s.part", s_databases [dept].file);
            s_db_remove (self->dir, name);
        }
        rc = GEN_EXIT_FAILED;
    }
    free (self->firms);
    self->firms = NULL;
    return rc;
}


//  ---------------------------------------------------------------------
//  --check: re-validates the identifiers of market.db

typedef struct {
    long total;
    long invalid;
} tally_t;

//  Validates one column value, reporting the first few failures; resident
//  identity numbers are masked in the report
static void
s_check_value (ident_type_t type, const unsigned char *value, long row, tally_t *tally)
{
    const char *reason = "not text";
    char canon [IDENT_MAX + 1];
    tally->total++;
    if (value && ident_validate (type, (const char *) value, canon, 0, &reason)) {
        if (strcmp (canon, (const char *) value) == 0)
            return;
        reason = "not in canonical form";
    }
    if (++tally->invalid <= 10) {
        char shown [IDENT_MAX + 1] = "(null)";
        if (value && strlen ((const char *) value) <= IDENT_MAX) {
            if (type == IDENT_RESIDENT_ID)
                ident_mask ((const char *) value, shown);
            else
                snprintf (shown, sizeof (shown), "%s", (const char *) value);
        }
        else
        if (value)
            snprintf (shown, sizeof (shown), "(too long)");
        printf ("invalid %s in row %ld: %s: %s\n", ident_type_name (type), row,
                shown, reason? reason: "invalid");
    }
}

//  Returns an exit code: 0 if every USCC (and legal representative's
//  identity number) in DIR/market.db is valid, else 1
static int
s_check (const char *dir)
{
    char path [GEN_PATH_MAX];
    if (s_path (path, dir, "market.db", ""))
        return GEN_EXIT_FAILED;
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK
    ||  sqlite3_prepare_v2 (db, "SELECT uscc, legal_rep_id FROM enterprise",
                            -1, &stmt, NULL) != SQLITE_OK) {
        fprintf (stderr, GEN_NAME ": cannot read %s: %s\n", path,
                 db? sqlite3_errmsg (db): "out of memory");
        sqlite3_close (db);
        return GEN_EXIT_FAILED;
    }
    tally_t uscc = { 0, 0 }, resident = { 0, 0 };
    int rc;
    while ((rc = sqlite3_step (stmt)) == SQLITE_ROW) {
        s_check_value (IDENT_USCC, sqlite3_column_text (stmt, 0), uscc.total + 1, &uscc);
        s_check_value (IDENT_RESIDENT_ID, sqlite3_column_text (stmt, 1),
                       resident.total + 1, &resident);
    }
    int exit_code = GEN_EXIT_OK;
    if (rc != SQLITE_DONE) {
        fprintf (stderr, GEN_NAME ": cannot read %s: %s\n", path, sqlite3_errmsg (db));
        exit_code = GEN_EXIT_FAILED;
    }
    sqlite3_finalize (stmt);
    sqlite3_close (db);
    printf ("%s: %ld enterprises\n", path, uscc.total);
    printf ("uscc: %ld valid, %ld invalid\n", uscc.total - uscc.invalid, uscc.invalid);
    printf ("legal_rep_id: %ld valid, %ld invalid\n",
            resident.total - resident.invalid, resident.invalid);
    if (uscc.total == 0) {
        fprintf (stderr, GEN_NAME ": %s has no enterprises\n", path);
        exit_code = GEN_EXIT_FAILED;
    }
    if (uscc.invalid || resident.invalid)
        exit_code = GEN_EXIT_FAILED;
    return exit_code;
}


//  ---------------------------------------------------------------------
//  Command line

typedef struct {
    const char *out;
    const char *check;
    int count;
    uint64_t seed;
    bool quiet;
    bool force;
    bool help;
} options_t;

static void
s_usage (FILE *stream)
{
    fprintf (stream,
        "usage: " GEN_NAME " --out DIR [--enterprises N] [--seed S] [--quiet] [--force]\n"
        "       " GEN_NAME " --check DIR\n"
        "\n"
        "Writes demo databases of Pudong departments: DIR/market.db,\n"
        "DIR/tax.db, DIR/food.db and DIR/sample-keys.txt.\n"
        "\n"
        "  --out DIR          output directory (created if missing)\n"
        "  --enterprises N    number of enterprises, 1..%d (default %d)\n"
        "  --seed S           seed, 0..2^64-1 (default 1); same seed, same data\n"
        "  --quiet            no progress or summary on stderr\n"
        "  --force            overwrite existing outputs\n"
        "  --check DIR        re-validate every USCC and legal representative\n"
        "                     identity number in DIR/market.db; exit 1 if any\n"
        "                     is invalid\n",
        GEN_MAX_COUNT, GEN_DEFAULT_COUNT);
}

//  Parses a decimal number in [min, max] with nothing around it
static int
s_parse_number (const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
    if (!text || *text < '0' || *text > '9')
        return -1;
    errno = 0;
    char *end = NULL;
    unsigned long long number = strtoull (text, &end, 10);
    if (errno || *end || number < min || number > max)
        return -1;
    *value = number;
    return 0;
}

//  Parses argv into `options`. Returns 0, or -1 after reporting.
static int
s_parse_args (int argc, char **argv, options_t *options)
{
    options->count = GEN_DEFAULT_COUNT;
    options->seed = 1;
    bool have_count = false, have_seed = false;
    for (int index = 1; index < argc; index++) {
        const char *arg = argv [index];
        const char *value = index + 1 < argc? argv [index + 1]: NULL;
        bool takes_value = strcmp (arg, "--out") == 0 || strcmp (arg, "--check") == 0
                        || strcmp (arg, "--enterprises") == 0 || strcmp (arg, "--seed") == 0;
        if (takes_value && (!value || !*value)) {
            fprintf (stderr, GEN_NAME ": %s needs a value\n", arg);
            return -1;
        }
        uint64_t number;
        if (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0)
            options->help = true;
        else
        if (strcmp (arg, "--quiet") == 0)
            options->quiet = true;
        else
        if (strcmp (arg, "--force") == 0)
            options->force = true;
        else
        if (strcmp (arg, "--out") == 0)
            options->out = value;
        else
        if (strcmp (arg, "--check") == 0)
            options->check = value;
        else
        if (strcmp (arg, "--enterprises") == 0) {
            if (s_parse_number (value, 1, GEN_MAX_COUNT, &number)) {
                fprintf (stderr, GEN_NAME ": --enterprises wants a whole number"
                         " from 1 to %d, not '%s'\n", GEN_MAX_COUNT, value);
                return -1;
            }
            options->count = (int) number;
            have_count = true;
        }
        else
        if (strcmp (arg, "--seed") == 0) {
            if (s_parse_number (value, 0, UINT64_MAX, &number)) {
                fprintf (stderr, GEN_NAME ": --seed wants a whole number"
                         " from 0 to 18446744073709551615, not '%s'\n", value);
                return -1;
            }
            options->seed = number;
            have_seed = true;
        }
        else {
            fprintf (stderr, GEN_NAME ": unknown argument '%s'\n", arg);
            return -1;
        }
        if (takes_value)
            index++;
    }
    if (options->help)
        return 0;
    if (options->out && options->check) {
        fprintf (stderr, GEN_NAME ": use either --out or --check\n");
        return -1;
    }
    if (!options->out && !options->check) {
        fprintf (stderr, GEN_NAME ": --out DIR or --check DIR is required\n");
        return -1;
    }
    if (options->check && (have_count || have_seed || options->force)) {
        fprintf (stderr, GEN_NAME ": --check takes no other option\n");
        return -1;
    }
    return 0;
}

int
main (int argc, char **argv)
{
    if (version_asked (argc, argv, "sluice-gendata", stdout))
        return GEN_EXIT_OK;
    options_t options;
    memset (&options, 0, sizeof (options));
    if (s_parse_args (argc, argv, &options)) {
        s_usage (stderr);
        return GEN_EXIT_USAGE;
    }
    if (options.help) {
        s_usage (stdout);
        return GEN_EXIT_OK;
    }
    if (options.check)
        return s_check (options.check);

    gen_t gen;
    memset (&gen, 0, sizeof (gen));
    gen.dir = options.out;
    gen.count = options.count;
    gen.seed = options.seed;
    gen.quiet = options.quiet;
    gen.ref_day = s_ref_day ();
    return s_generate (&gen, options.force);
}
