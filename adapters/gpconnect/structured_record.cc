#include "adapters/gpconnect/structured_record.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "common/clock.h"
#include "common/nhs_number.h"
#include "common/status.h"
#include "simdjson.h"

namespace caregate::adapters::gpconnect {
namespace {

namespace v1 = ::caregate::v1;

// ---------------------------------------------------------------------------
// Constants from the spec (docs/gp-summary.md, shared reference gpconnect.md).

constexpr absl::string_view kSnomed = "http://snomed.info/sct";
constexpr absl::string_view kNhsNumberSystem = "https://fhir.nhs.uk/Id/nhs-number";
constexpr absl::string_view kOdsSystem = "https://fhir.nhs.uk/Id/ods-organization-code";

// Primary List codes (SNOMED).
constexpr absl::string_view kListAllergies = "886921000000105";
constexpr absl::string_view kListEndedAllergies = "1103671000000101";
constexpr absl::string_view kListMedications = "933361000000108";
constexpr absl::string_view kListProblems = "717711000000103";
constexpr absl::string_view kListConsultations = "1149501000000101";
constexpr absl::string_view kListImmunisations = "1102181000000102";
constexpr absl::string_view kListUncategorised = "826501000000100";
constexpr absl::string_view kListInvestigations = "887191000000108";
constexpr absl::string_view kListReferrals = "792931000000107";
constexpr absl::string_view kListTopic = "25851000000105";

// Blood pressure: panel codes and the component codes for systolic and
// diastolic (the reference's table, plus the older 163030003/163031004 pair
// the demonstrator still sends).
constexpr std::array<absl::string_view, 6> kBpPanels = {"163020007", "386534000", "75367002",
                                                        "163034007", "163035008", "163033001"};
constexpr std::array<absl::string_view, 6> kBpSystolic = {"72313002",  "271649006", "400974009",
                                                          "407554009", "407556006", "163030003"};
constexpr std::array<absl::string_view, 6> kBpDiastolic = {
    "1091811000000102", "271650006", "400975005", "407555005", "407557002", "163031004"};

// Encounter types that make an encounter an admission (SNOMED): hospital
// admission, emergency admission, elective admission, inpatient stay,
// discharge from hospital.
constexpr std::array<absl::string_view, 6> kAdmissionTypeCodes = {
    "32485007", "183452005", "8715000", "308540004", "308283009", "58000006"};
// Encounter.class codes (HL7 v3 ActCode) for inpatient care.
constexpr std::array<absl::string_view, 3> kAdmissionClassCodes = {"IMP", "ACUTE", "NONAC"};

// Filing comment Observations inside investigations.
constexpr absl::string_view kCommentNote = "37331000000100";

// Whether n bytes at a and b are equal: memcmp(a, b, n) == 0, inline. The
// mapper compares many short keys, codes and ids of a length known only at run
// time, where a call to the library's memcmp costs more than the comparison.
template <typename Word>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool SameWord(const char* a, const char* b) {
  Word x, y;
  std::memcpy(&x, a, sizeof(Word));
  std::memcpy(&y, b, sizeof(Word));
  return x == y;
}
// Words of 8 bytes, then the tail as one word overlapping the last one
// compared (or, under 8 bytes, two overlapping words of 4 or 2 bytes):
// never more than n bytes read from either side.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool SameBytes(const char* a, const char* b, size_t n) {
  if (n >= 8) {
    for (; n > 8; a += 8, b += 8, n -= 8)
      if (!SameWord<uint64_t>(a, b)) return false;
    return SameWord<uint64_t>(a + n - 8, b + n - 8);
  }
  if (n >= 4) return SameWord<uint32_t>(a, b) && SameWord<uint32_t>(a + n - 4, b + n - 4);
  if (n >= 2) return SameWord<uint16_t>(a, b) && SameWord<uint16_t>(a + n - 2, b + n - 2);
  return n == 0 || *a == *b;
}

// The first min(n, 8) bytes at p as a word (zero-filled), as
// memcpy(&word, p, min(n, 8)) would give it, without a call: a memcpy of a
// length known only at run time is a library call, which costs more than
// the hash or the comparison it feeds.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uint64_t FirstBytes(const char* p, size_t n) {
  uint64_t v = 0;
  if (n >= 8) {
    std::memcpy(&v, p, 8);
  } else {
    for (size_t i = 0; i < n; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  }
  return v;
}

// a == b, with SameBytes.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline bool Same(absl::string_view a, absl::string_view b) {
  return a.size() == b.size() && SameBytes(a.data(), b.data(), a.size());
}

template <size_t N>
bool OneOf(absl::string_view v, const std::array<absl::string_view, N>& set) {
  for (absl::string_view x : set)
    if (Same(v, x)) return true;
  return false;
}

// The resource types the mapper reads by type. The first ten are the clinical
// types, whose items the summary shows: a duplicate Type/id among them makes
// the bundle ambiguous, so it is an error. Supporting resources
// (Practitioner, Organization, Location, ...) are de-duplicated (first wins):
// real bundles repeat them; they are reached only through references.
constexpr std::array<absl::string_view, 11> kMappedTypes = {
    "Patient",          "AllergyIntolerance", "Condition",       "MedicationStatement",
    "MedicationRequest", "Observation",       "DiagnosticReport", "Encounter",
    "ReferralRequest",  "Immunization",       "OperationOutcome"};
constexpr size_t kClinicalTypes = 10;  // the first ten

// The position of `t` in kMappedTypes, or kMappedTypes.size().
size_t MappedType(absl::string_view t) {
  for (size_t i = 0; i < kMappedTypes.size(); ++i)
    if (Same(t, kMappedTypes[i])) return i;
  return kMappedTypes.size();
}

// ---------------------------------------------------------------------------
// Reading the parsed document: absent or mistyped fields read as empty.

// simdjson speaks std::string_view; Debian's Abseil has its own string_view.
absl::string_view A(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The parsed document's tape and string buffer (simdjson's dom::document).
struct Tape {
  const uint64_t* words;
  const uint8_t* strings;
};

// One value of a document parsed by simdjson's DOM parser, read straight from
// its tape: the same answers as simdjson::dom::element, at a fraction of the
// cost. The mapper reads a few hundred fields per resource, and each
// dom::element access reaches the tape through the document, a unique_ptr and
// an index, mostly in out-of-line calls; here a value is a pointer to its tape
// word. The tape format is simdjson's documented one (doc/tape.md): one 64-bit
// word per value with its type in the top byte; a string's payload is an
// offset into the string buffer, which holds a 32-bit length, the bytes and a
// NUL; '{' and '[' hold the index of the word after their closing '}' or ']'
// (and their element count in bits 32-55); numbers take a second word; every
// other value takes one. Only valid (successfully parsed) documents are read.
class Json {
 public:
  Json() = default;
  // The root value of a tape (the word after the root word).
  explicit Json(const Tape* tape) : word_(tape->words + 1), tape_(tape) {}

  bool IsObject() const { return Type() == '{'; }
  bool IsArray() const { return Type() == '['; }

  // The string value; false (and *out untouched) if this is not a string.
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool GetString(std::string_view* out) const {
    if (Type() != '"') return false;
    *out = StringAt(Payload());
    return true;
  }
  // The boolean value; false if this is not true or false.
  bool GetBool(bool* out) const {
    if (Type() != 't' && Type() != 'f') return false;
    *out = Type() == 't';
    return true;
  }
  // Any number as a double (as dom::element::get_double); nullopt otherwise.
  std::optional<double> Number() const {
    double d;
    switch (Type()) {
      case 'd':
        std::memcpy(&d, word_ + 1, sizeof(d));
        return d;
      case 'l': {
        int64_t i;
        std::memcpy(&i, word_ + 1, sizeof(i));
        return static_cast<double>(i);
      }
      case 'u': {
        uint64_t u;
        std::memcpy(&u, word_ + 1, sizeof(u));
        return static_cast<double>(u);
      }
      default:
        return std::nullopt;
    }
  }

  // A position in an array (operator*, operator++) or among an object's
  // fields (KeyData, KeyLength, Value, NextField).
  class Cursor {
   public:
    Cursor(const uint64_t* at, const Tape* tape) : at_(at), tape_(tape) {}
    bool operator!=(const Cursor& o) const { return at_ != o.at_; }
    // Arrays.
    Json operator*() const { return Json(at_, tape_); }
    Cursor& operator++() {
      at_ = Json(at_, tape_).After();
      return *this;
    }
    // Objects: at_ is the key's word, the value follows it.
    const char* KeyData() const { return Json(at_, tape_).CharsAt(*at_ & kPayload); }
    uint32_t KeyLength() const { return Json(at_, tape_).LengthAt(*at_ & kPayload); }
    Json Value() const { return Json(at_ + 1, tape_); }
    void NextField() { at_ = Json(at_ + 1, tape_).After(); }

   private:
    const uint64_t* at_;
    const Tape* tape_;
  };
  struct Range {
    Cursor b, e;
    Cursor begin() const { return b; }
    Cursor end() const { return e; }
  };
  // An array's elements; empty if this is not an array.
  ABSL_ATTRIBUTE_ALWAYS_INLINE Range Elements() const {
    if (Type() != '[') return {Cursor(word_, tape_), Cursor(word_, tape_)};
    return {Cursor(word_ + 1, tape_), Cursor(End(), tape_)};
  }
  // An object's fields; empty (begin == end) if this is not an object.
  ABSL_ATTRIBUTE_ALWAYS_INLINE Range Fields() const {
    if (Type() != '{') return {Cursor(word_, tape_), Cursor(word_, tape_)};
    return {Cursor(word_ + 1, tape_), Cursor(End(), tape_)};
  }
  // An array's element count (simdjson saturates it at 2^24 - 1; only a
  // reservation hint here).
  uint32_t Size() const { return static_cast<uint32_t>((*word_ >> 32) & 0xFFFFFF); }

  // The first field named `key` (as dom::element::at_key), or nullopt when
  // there is none or this is not an object.
  ABSL_ATTRIBUTE_ALWAYS_INLINE std::optional<Json> Field(absl::string_view key) const {
    Range r = Fields();
    for (Cursor c = r.b; c != r.e; c.NextField()) {
      if (c.KeyLength() == key.size() && SameBytes(c.KeyData(), key.data(), key.size()))
        return c.Value();
    }
    return std::nullopt;
  }

 private:
  static constexpr uint64_t kPayload = 0x00FFFFFFFFFFFFFF;
  Json(const uint64_t* word, const Tape* tape) : word_(word), tape_(tape) {}

  char Type() const { return static_cast<char>(*word_ >> 56); }
  uint64_t Payload() const { return *word_ & kPayload; }
  // The closing word of this '{' or '['.
  const uint64_t* End() const { return tape_->words + static_cast<uint32_t>(*word_) - 1; }
  // The word after this value. Walking an object's fields is a chain: each
  // step needs the one before. A string, the commonest value, is one word,
  // so a predicted branch on it lets the next step start before this word
  // is loaded. Other values, which come in no predictable order, take no
  // branch.
  ABSL_ATTRIBUTE_ALWAYS_INLINE const uint64_t* After() const {
    const uint64_t w = *word_;
    const char type = static_cast<char>(w >> 56);
    if (type == '"') return word_ + 1;
    const bool container = type == '{' || type == '[';
    const bool number = type == 'd' || type == 'l' || type == 'u';
    const uint64_t* scalar_end = word_ + 1 + static_cast<int>(number);
    const uint64_t* container_end = tape_->words + static_cast<uint32_t>(w);
    return container ? container_end : scalar_end;
  }
  const char* CharsAt(uint64_t offset) const {
    return reinterpret_cast<const char*>(tape_->strings + offset + sizeof(uint32_t));
  }
  uint32_t LengthAt(uint64_t offset) const {
    uint32_t len;
    std::memcpy(&len, tape_->strings + offset, sizeof(len));
    return len;
  }
  std::string_view StringAt(uint64_t offset) const {
    return std::string_view(CharsAt(offset), LengthAt(offset));
  }

  const uint64_t* word_ = nullptr;
  const Tape* tape_ = nullptr;
};

ABSL_ATTRIBUTE_ALWAYS_INLINE inline std::optional<Json> Child(Json e, absl::string_view key) {
  return e.Field(key);
}

// A value as a string ("" when absent or not a string).
ABSL_ATTRIBUTE_ALWAYS_INLINE inline absl::string_view StrOf(const std::optional<Json>& v) {
  std::string_view s;
  if (!v || !v->GetString(&s)) return {};
  return A(s);
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline absl::string_view Str(Json e, absl::string_view key) {
  return StrOf(e.Field(key));
}

absl::string_view Str(std::optional<Json> e, absl::string_view key) {
  return e ? Str(*e, key) : absl::string_view();
}

template <typename F>
void ForEach(Json e, absl::string_view key, F&& f) {
  auto a = e.Field(key);
  if (!a) return;
  for (Json x : a->Elements()) f(x);
}

template <typename F>
void ForEach(std::optional<Json> e, absl::string_view key, F&& f) {
  if (e) ForEach(*e, key, std::forward<F>(f));
}

// f(x) for each element of `array` (nothing when absent or not an array).
template <typename F>
void ForEachElement(std::optional<Json> array, F&& f) {
  if (!array) return;
  for (Json x : array->Elements()) f(x);
}

std::optional<Json> First(Json e, absl::string_view key) {
  auto a = e.Field(key);
  if (!a) return std::nullopt;
  for (Json x : a->Elements()) return x;
  return std::nullopt;
}

// One pass over an object's fields into a dense table, so that a resource
// read for a dozen fields costs one walk of its keys instead of one
// Json::Field scan per field (a miss scans every key). The first occurrence
// of a key wins, as with Json::Field. A non-object reads as empty; an object
// with more than kMaxFields fields falls back to Json::Field.
class Obj {
 public:
  explicit Obj(Json e) { Load(e); }
  explicit Obj(std::optional<Json> e) {
    if (e) Load(*e);
  }
  Obj(const Obj&) = delete;
  Obj& operator=(const Obj&) = delete;

  ABSL_ATTRIBUTE_ALWAYS_INLINE std::optional<Json> Get(absl::string_view key) const {
    if (overflow_ || key.empty()) return GetSlow(key);
    const uint32_t len = static_cast<uint32_t>(key.size());
    const uint32_t first = static_cast<unsigned char>(key[0]);
    // Only the fields whose key has this length and first byte's bucket are
    // visited, in document order; the key bytes in the document are compared
    // only when the length and the first byte match.
    for (uint32_t i = head_[Bucket(len, first)]; i != 0; i = next_[i - 1]) {
      const Field& f = fields_[i - 1];
      if (f.len == len && f.first == first &&
          std::memcmp(f.key + 1, key.data() + 1, len - 1) == 0)
        return f.value;
    }
    return std::nullopt;
  }

 private:
  static constexpr uint32_t kMaxFields = 48;
  static constexpr uint32_t kBuckets = 32;
  struct Field {
    const char* key;
    uint32_t len;
    // key[0] (0 for ""), as an int: a char store may alias anything, which
    // would make the compiler reload the document's pointers after each.
    uint32_t first;
    Json value;
  };

  ABSL_ATTRIBUTE_ALWAYS_INLINE static uint32_t Bucket(uint32_t len, uint32_t first) {
    return (len * 7 + first) & (kBuckets - 1);
  }

  std::optional<Json> GetSlow(absl::string_view key) const {
    if (!overflow_) {
      for (uint32_t i = 0; i < n_; ++i)
        if (fields_[i].len == key.size()) return fields_[i].value;  // "" is the only match
      return std::nullopt;
    }
    return e_.Field(key);
  }
  void Load(Json e) {
    if (!e.IsObject()) return;
    e_ = e;
    // First the table, then the chains: the chain links are uint8_t, which
    // may alias anything, so writing them in the same loop would make the
    // compiler reload the iterator's document pointers after each.
    uint32_t n = 0;
    Json::Range fields = e.Fields();
    for (Json::Cursor it = fields.begin(); it != fields.end(); it.NextField()) {
      if (n == kMaxFields) {
        overflow_ = true;
        break;
      }
      Field& f = fields_[n];
      f.key = it.KeyData();
      f.len = it.KeyLength();
      f.first = static_cast<unsigned char>(f.key[0]);
      f.value = it.Value();
      ++n;
    }
    n_ = n;
    if (overflow_) return;
    // Each field put at the head of its bucket's chain (1-based links; 0
    // ends a chain), last field first, so a chain lists its fields in
    // document order and the first occurrence of a key wins.
    for (uint32_t i = n; i > 0; --i) {
      uint8_t& head = head_[Bucket(fields_[i - 1].len, fields_[i - 1].first)];
      next_[i - 1] = head;
      head = static_cast<uint8_t>(i);
    }
  }

  Json e_;  // for the Json::Field fallback
  bool overflow_ = false;
  uint32_t n_ = 0;
  uint8_t head_[kBuckets] = {};  // first field (1-based) of each bucket's chain
  uint8_t next_[kMaxFields];     // next field (1-based) in the same chain
  union {
    Field fields_[kMaxFields];
  };
};

ABSL_ATTRIBUTE_ALWAYS_INLINE inline std::optional<Json> Child(const Obj& o, absl::string_view key) {
  return o.Get(key);
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline absl::string_view Str(const Obj& o, absl::string_view key) {
  return StrOf(o.Get(key));
}

template <typename F>
void ForEach(const Obj& o, absl::string_view key, F&& f) {
  auto v = o.Get(key);
  if (!v) return;
  for (Json x : v->Elements()) f(x);
}

std::optional<Json> First(const Obj& o, absl::string_view key) {
  auto v = o.Get(key);
  if (!v) return std::nullopt;
  for (Json x : v->Elements()) return x;
  return std::nullopt;
}

// The first occurrence of each of a few keys of a small object, in one walk
// of its fields and without Obj's table (a coding, a quantity, a reference):
// the same answers as Obj::Get or Json::Field. A non-object reads as
// empty.
template <size_t N>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline std::array<std::optional<Json>, N> Pick(
    Json e, const std::array<absl::string_view, N>& keys) {
  std::array<std::optional<Json>, N> out;
  Json::Range fields = e.Fields();
  size_t found = 0;
  for (Json::Cursor it = fields.begin(); it != fields.end() && found < N; it.NextField()) {
    const uint32_t len = it.KeyLength();
    const char* key = it.KeyData();
    for (size_t j = 0; j < N; ++j) {
      if (!out[j] && len == keys[j].size() && SameBytes(key, keys[j].data(), len)) {
        out[j] = it.Value();
        ++found;
        break;
      }
    }
  }
  return out;
}

// A Period's fields.
constexpr std::array<absl::string_view, 2> kPeriodKeys = {"start", "end"};

std::optional<double> NumberOf(Json v) { return v.Number(); }

std::string S(absl::string_view v) { return std::string(v.data(), v.size()); }
std::string S(std::string_view v) { return std::string(v); }
std::string S(std::string&& v) { return std::move(v); }

// Sets a string field only when the value is non-empty: protobuf allocates a
// std::string even for "" on a field at its default, and most optional FHIR
// elements are absent. `value` may be an absl::string_view or a std::string.
#define SET_NON_EMPTY(setter, value)                                                    \
  do {                                                                                  \
    auto&& set_value_ = (value);                                                        \
    if (!set_value_.empty()) setter(S(std::forward<decltype(set_value_)>(set_value_))); \
  } while (0)

// The first of `extensions` (an "extension" array; absent or not an array
// reads as empty) whose url ends with `name` (hosts vary by vendor).
std::optional<Json> FindExtension(std::optional<Json> extensions, absl::string_view name) {
  if (!extensions) return std::nullopt;
  for (Json x : extensions->Elements()) {
    if (absl::EndsWith(Str(x, "url"), name)) return x;
  }
  return std::nullopt;
}

// The extension on `e` (a Json or an Obj) whose url ends with `name`.
template <typename E>
std::optional<Json> Extension(const E& e, absl::string_view name) {
  return FindExtension(Child(e, "extension"), name);
}

// An extension's valueCode, or its valueCodeableConcept's first code.
absl::string_view CodeOfExtension(Json ext) {
  static constexpr std::array<absl::string_view, 2> kKeys = {"valueCode", "valueCodeableConcept"};
  const auto [value_code, cc] = Pick(ext, kKeys);
  absl::string_view code = StrOf(value_code);
  if (!code.empty()) return code;
  if (!cc) return {};
  auto coding = First(*cc, "coding");
  return coding ? Str(*coding, "code") : absl::string_view();
}

// The code of the extension on `e` whose url ends with `name`.
template <typename E>
absl::string_view ExtensionCode(const E& e, absl::string_view name) {
  auto ext = Extension(e, name);
  return ext ? CodeOfExtension(*ext) : absl::string_view();
}

bool HasCode(Json concept_elem, absl::string_view system, absl::string_view code) {
  bool found = false;
  ForEach(concept_elem, "coding", [&](Json c) {
    if (found) return;
    if (Same(Str(c, "code"), code) && (system.empty() || Same(Str(c, "system"), system)))
      found = true;
  });
  return found;
}

template <size_t N>
absl::string_view FindCode(std::optional<Json> concept_elem,
                           const std::array<absl::string_view, N>& set) {
  absl::string_view out;
  if (!concept_elem) return out;
  ForEach(*concept_elem, "coding", [&](Json c) {
    if (!out.empty()) return;
    absl::string_view code = Str(c, "code");
    if (OneOf(code, set)) out = code;
  });
  return out;
}

void FillCoding(Json c, v1::Coding* coding) {
  static constexpr std::array<absl::string_view, 3> kKeys = {"system", "code", "display"};
  const auto [system, code, display] = Pick(c, kKeys);
  SET_NON_EMPTY(coding->set_system, StrOf(system));
  SET_NON_EMPTY(coding->set_code, StrOf(code));
  SET_NON_EMPTY(coding->set_display, StrOf(display));
}

void FillConcept(std::optional<Json> cc, v1::CodeableConcept* out) {
  if (!cc) return;
  static constexpr std::array<absl::string_view, 2> kKeys = {"coding", "text"};
  const auto [codings, text] = Pick(*cc, kKeys);
  if (codings && codings->IsArray()) {
    out->mutable_codings()->Reserve(static_cast<int>(codings->Size()));
    for (Json c : codings->Elements()) FillCoding(c, out->add_codings());
  }
  SET_NON_EMPTY(out->set_text, StrOf(text));
}

template <typename E>
void FillConceptFromFirst(const E& e, absl::string_view key, v1::CodeableConcept* out) {
  FillConcept(First(e, key), out);
}

// A dateTime, or a Period's start.
template <typename E>
absl::string_view DateOf(const E& e, absl::string_view date_time_key,
                         absl::string_view period_key) {
  absl::string_view d = Str(e, date_time_key);
  if (!d.empty()) return d;
  return Str(Child(e, period_key), "start");
}

template <typename E>
void AddNotes(const E& e, google::protobuf::RepeatedPtrField<std::string>* out) {
  ForEach(e, "note", [&](Json n) {
    absl::string_view t = Str(n, "text");
    if (!t.empty()) out->Add(S(t));
  });
}

// Appends `v` as absl::StrAppend(double) writes it (six significant digits).
// Integers under a million, the common case in quantities and reference
// ranges, print the same as integers, without the floating-point formatting.
void AppendNumber(double v, std::string* out) {
  if (v > -1e6 && v < 1e6 && v != 0) {
    const int32_t i = static_cast<int32_t>(v);
    if (static_cast<double>(i) == v) {
      absl::StrAppend(out, i);
      return;
    }
  }
  absl::StrAppend(out, v);
}

// Appends a Quantity as text ("28 tablet", "3.5"), or its free-text
// extension, to `out`.
void AppendQuantityText(std::optional<Json> qe, std::string* out) {
  if (!qe) return;
  static constexpr std::array<absl::string_view, 3> kKeys = {"value", "unit", "extension"};
  const auto [value, unit_v, extensions] = Pick(*qe, kKeys);
  std::optional<double> v = value ? NumberOf(*value) : std::nullopt;
  absl::string_view unit = StrOf(unit_v);
  if (v) {
    AppendNumber(*v, out);
    if (!unit.empty()) absl::StrAppend(out, " ", unit);
    return;
  }
  // GP Connect puts free-text quantities in an extension.
  if (auto text = FindExtension(extensions, "MedicationQuantityText-1")) {
    absl::StrAppend(out, Str(*text, "valueString"));
  }
}

std::string QuantityText(std::optional<Json> qe) {
  std::string out;
  AppendQuantityText(qe, &out);
  return out;
}

absl::Status BundleError(absl::string_view message) {
  return common::InvalidArgumentWithReason(common::kReasonInvalidBundle, message);
}

// What the index reads of each resource: its resourceType and id ("" when
// absent or not a string) and, for an Observation, its code (the
// blood-pressure scan reads every Observation's code, so the index's walk
// finds it instead of a second walk from the start).
struct ResourceHead {
  absl::string_view type, id;
  std::optional<Json> code;
};

// A resource's head in one walk of its keys, stopping when the type and the
// id are seen (and, for an Observation, the code). JSON keys come in any
// order. As with Str() and Json::Field, the first occurrence of a key counts
// and a non-string type or id reads "".
ResourceHead ReadHead(Json resource) {
  ResourceHead head;
  Json::Range fields = resource.Fields();
  bool seen_type = false, seen_id = false, want_code = true;
  for (Json::Cursor it = fields.begin(); it != fields.end(); it.NextField()) {
    const uint32_t len = it.KeyLength();
    absl::string_view* target = nullptr;
    if (!seen_type && len == 12 && std::memcmp(it.KeyData(), "resourceType", 12) == 0) {
      seen_type = true;
      target = &head.type;
    } else if (!seen_id && len == 2 && std::memcmp(it.KeyData(), "id", 2) == 0) {
      seen_id = true;
      target = &head.id;
    } else if (!head.code && len == 4 && std::memcmp(it.KeyData(), "code", 4) == 0) {
      head.code = it.Value();
    }
    if (target != nullptr) {
      std::string_view v;
      if (it.Value().GetString(&v)) *target = A(v);
      if (target == &head.type) want_code = head.type == "Observation";
    }
    if (seen_type && seen_id && (!want_code || head.code)) break;
  }
  if (head.type != "Observation") head.code.reset();
  return head;
}

// ---------------------------------------------------------------------------
// The index: every resource by Type/id, List.contained by #id, Lists in order.

struct Resource {
  int entry = 0;  // Bundle.entry index
  Json value;
};

// A top-level resource of one of kMappedTypes.
struct TypedResource : Resource {
  std::optional<Json> code;  // an Observation's code (ResourceHead::code), else unset
};

// A List, with the fields the mapper reads, found by the index's one walk
// of its keys (section statuses, the record date and consultation topics
// read them again per List otherwise).
struct ListInfo {
  int entry = 0;
  Json value;
  absl::string_view code;           // first SNOMED code
  absl::string_view encounter_ref;  // List.encounter.reference (topics)
  absl::string_view date;           // List.date
  absl::string_view title;          // List.title
  std::optional<Json> extension, entries, note;
  bool has_empty_reason = false;  // List.emptyReason present
  bool has_contained = false;     // List.contained present
};

class Index {
 public:
  // Empties the index. The vectors keep their memory, so the per-thread index
  // costs no allocation per bundle for them. The hash maps' clear() keeps a
  // small table and resets it in place, and frees a large one (over 127
  // slots), which Reserve then sizes for the next bundle: erasing element by
  // element instead scans the whole table, sized by the largest bundle the
  // thread ever saw.
  void Clear() {
    by_ref_.clear();
    contained_.clear();
    for (auto& v : by_type_) v.clear();
    for (auto& v : contained_by_type_) v.clear();
    lists_.clear();
  }

  // `head` is what ReadHead read of the resource.
  absl::Status Add(int entry, Json resource, const ResourceHead& head) {
    const absl::string_view type = head.type, id = head.id;
    if (type == "List") {
      Obj list(resource);  // one walk for every field ListInfo keeps, and contained
      absl::string_view code;
      if (auto cc = Child(list, "code")) {
        ForEach(*cc, "coding", [&](Json c) {
          if (code.empty()) code = Str(c, "code");
        });
      }
      lists_.push_back({entry, resource, code, Str(Child(list, "encounter"), "reference"),
                        Str(list, "date"), Str(list, "title"), list.Get("extension"),
                        list.Get("entry"), list.Get("note"), list.Get("emptyReason").has_value(),
                        list.Get("contained").has_value()});
      // Contained resources are referenced as "#id" from inside the List.
      ForEach(list, "contained", [&](Json c) {
        absl::string_view id = Str(c, "id");
        absl::string_view ctype = Str(c, "resourceType");
        if (id.empty() || ctype.empty()) return;
        contained_.try_emplace(id, Resource{entry, c});
        if (size_t t = MappedType(ctype); t < kMappedTypes.size())
          contained_by_type_[t].push_back({entry, c});
      });
      return absl::OkStatus();
    }
    const size_t mapped = MappedType(type);
    const bool clinical = mapped < kClinicalTypes;
    if (id.empty()) {
      if (clinical) {
        return BundleError(absl::StrCat("Bundle.entry[", entry, "]: a ", type, " without an id"));
      }
      if (mapped < kMappedTypes.size()) by_type_[mapped].push_back({{entry, resource}, head.code});
      return absl::OkStatus();
    }
    auto [it, inserted] = by_ref_.try_emplace(Key(type, id), Resource{entry, resource});
    if (!inserted) {
      if (clinical) {
        return BundleError(absl::StrCat("Bundle.entry[", entry, "]: duplicate id for a ", type,
                                        " (first at Bundle.entry[", it->second.entry, "])"));
      }
      return absl::OkStatus();  // supporting resource repeated: first wins
    }
    if (mapped < kMappedTypes.size()) by_type_[mapped].push_back({{entry, resource}, head.code});
    return absl::OkStatus();
  }

  void Reserve(size_t entries) { by_ref_.reserve(entries); }

  // Resolves "Type/id" or "#id". Absolute URLs are matched on their last two
  // path segments.
  std::optional<Json> Resolve(absl::string_view ref) const {
    if (ref.empty()) return std::nullopt;
    if (ref[0] == '#') {
      auto it = contained_.find(ref.substr(1));
      if (it == contained_.end()) return std::nullopt;
      return it->second.value;
    }
    // "Type/id", or an absolute URL ending in "Type/id".
    // The last and the one-but-last '/' (memrchr is vectorized; rfind walks
    // back byte by byte over the id).
    const char* last = static_cast<const char*>(memrchr(ref.data(), '/', ref.size()));
    if (last == nullptr || last == ref.data()) return std::nullopt;
    const size_t slash = static_cast<size_t>(last - ref.data());
    const char* before = static_cast<const char*>(memrchr(ref.data(), '/', slash));
    const size_t prev =
        before == nullptr ? absl::string_view::npos : static_cast<size_t>(before - ref.data());
    absl::string_view type = prev == absl::string_view::npos
                                 ? ref.substr(0, slash)
                                 : ref.substr(prev + 1, slash - prev - 1);
    auto it = by_ref_.find(Key(type, ref.substr(slash + 1)));
    if (it == by_ref_.end()) return std::nullopt;
    return it->second.value;
  }

  template <typename E>
  std::optional<Json> ResolveField(const E& e, absl::string_view key) const {
    auto r = Child(e, key);
    if (!r) return std::nullopt;
    return Resolve(Str(*r, "reference"));
  }

  // `type` is one of kMappedTypes (other types are not kept by type).
  const std::vector<TypedResource>& OfType(absl::string_view type) const {
    static const std::vector<TypedResource> kEmpty;
    size_t t = MappedType(type);
    return t < kMappedTypes.size() ? by_type_[t] : kEmpty;
  }
  const std::vector<Resource>& ContainedOfType(absl::string_view type) const {
    static const std::vector<Resource> kEmpty;
    size_t t = MappedType(type);
    return t < kMappedTypes.size() ? contained_by_type_[t] : kEmpty;
  }
  const std::vector<ListInfo>& lists() const { return lists_; }

 private:
  // Keys are views into the parsed document, which outlives the index.
  using RefKey = std::pair<absl::string_view, absl::string_view>;
  static RefKey Key(absl::string_view type, absl::string_view id) { return {type, id}; }
  // A cheaper hash than absl's for these keys (ids are mostly 36-byte UUIDs):
  // the id's first, middle and last 8 bytes, its length and the type's length
  // and first byte, mixed by one 128-bit multiply. Equal keys hash equal;
  // keys that differ elsewhere only share a probe sequence.
  static size_t HashId(absl::string_view id, uint64_t salt) {
    const size_t n = id.size();
    uint64_t a = FirstBytes(id.data(), n) ^ salt;
    uint64_t b = n ^ 0x9e3779b97f4a7c15ull;
    if (n > 8) {
      a ^= FirstBytes(id.data() + n / 2 - 4, 8) * 0xff51afd7ed558ccdull;
      b ^= FirstBytes(id.data() + n - 8, 8);
    }
    const unsigned __int128 m = static_cast<unsigned __int128>(a) * (b | 1);
    return static_cast<size_t>(static_cast<uint64_t>(m) ^ static_cast<uint64_t>(m >> 64));
  }
  struct RefKeyHash {
    size_t operator()(const RefKey& k) const {
      const uint64_t type = (static_cast<uint64_t>(k.first.size()) << 8) ^
                            (k.first.empty() ? 0 : static_cast<unsigned char>(k.first[0]));
      return HashId(k.second, type * 0xc2b2ae3d27d4eb4full);
    }
  };
  struct RefKeyEq {
    bool operator()(const RefKey& a, const RefKey& b) const {
      return Same(a.second, b.second) && Same(a.first, b.first);
    }
  };
  struct IdHash {
    size_t operator()(absl::string_view id) const { return HashId(id, 0); }
  };
  struct IdEq {
    bool operator()(absl::string_view a, absl::string_view b) const { return Same(a, b); }
  };
  absl::flat_hash_map<RefKey, Resource, RefKeyHash, RefKeyEq> by_ref_;
  absl::flat_hash_map<absl::string_view, Resource, IdHash, IdEq> contained_;
  // By position in kMappedTypes.
  std::array<std::vector<TypedResource>, kMappedTypes.size()> by_type_;
  std::array<std::vector<Resource>, kMappedTypes.size()> contained_by_type_;
  std::vector<ListInfo> lists_;
};

// A readable name for a Practitioner, Organization, Location or
// HealthcareService, or the reference's display.
std::string NameOf(const Index& index, std::optional<Json> ref_elem) {
  if (!ref_elem) return {};
  Obj ref(*ref_elem);
  std::optional<Json> target = index.Resolve(Str(ref, "reference"));
  if (target) {
    Obj t(*target);
    absl::string_view name = Str(t, "name");
    if (!name.empty()) return S(name);
    // Practitioner.name is an array of HumanName.
    if (auto first = First(t, "name")) {
      Obj n(*first);
      absl::string_view text = Str(n, "text");
      if (!text.empty()) return S(text);
      std::string out;
      // Joined with single spaces, as absl::StrJoin would (an empty part
      // still takes its place).
      bool any = false;
      auto add_part = [&](absl::string_view part) {
        if (any) out.push_back(' ');
        out.append(part.data(), part.size());
        any = true;
      };
      ForEach(n, "prefix", [&](Json p) {
        std::string_view s;
        if (p.GetString(&s)) add_part(A(s));
      });
      ForEach(n, "given", [&](Json p) {
        std::string_view s;
        if (p.GetString(&s)) add_part(A(s));
      });
      absl::string_view family = Str(n, "family");
      if (!family.empty()) add_part(family);
      if (any) return out;
    }
  }
  return S(Str(ref, "display"));
}

// The code a referenced clinical item carries (for Problem.related_codes).
template <typename E>
void CodeOfItem(const Index& index, const E& item, v1::CodeableConcept* out) {
  absl::string_view type = Str(item, "resourceType");
  if (type == "MedicationStatement" || type == "MedicationRequest") {
    if (auto med = index.ResolveField(item, "medicationReference")) {
      FillConcept(Child(*med, "code"), out);
      return;
    }
    FillConcept(Child(item, "medicationCodeableConcept"), out);
    return;
  }
  if (type == "Immunization") {
    if (auto ext = Extension(item, "VaccinationProcedure-1")) {
      FillConcept(Child(*ext, "valueCodeableConcept"), out);
      return;
    }
    FillConcept(Child(item, "vaccineCode"), out);
    return;
  }
  if (type == "ReferralRequest") {
    FillConceptFromFirst(item, "reasonCode", out);
    return;
  }
  if (type == "DocumentReference") {
    FillConcept(Child(item, "type"), out);
    return;
  }
  FillConcept(Child(item, "code"), out);
}

// ---------------------------------------------------------------------------
// Section statuses.

struct SectionAccumulator {
  bool seen_list = false;
  bool all_empty = true;
  int unresolved = 0;
  // Inline: a section has a few states and notes at most, so no heap
  // allocation for the containers themselves.
  absl::InlinedVector<v1::SectionState, 4> states;
  // The source's notes: views into the parsed document, which outlives the
  // mapping.
  absl::InlinedVector<absl::string_view, 2> notes;

  void AddState(v1::SectionState s) {
    if (std::find(states.begin(), states.end(), s) == states.end()) states.push_back(s);
  }
  void AddNote(absl::string_view note) {
    if (!note.empty() && std::find(notes.begin(), notes.end(), note) == notes.end())
      notes.push_back(note);
  }
};

// At most two sections, without a heap allocation.
class Sections {
 public:
  Sections() = default;
  Sections(std::initializer_list<v1::GpSection> s) {
    for (v1::GpSection x : s) s_[n_++] = x;
  }
  bool empty() const { return n_ == 0; }
  const v1::GpSection* begin() const { return s_.data(); }
  const v1::GpSection* end() const { return s_.data() + n_; }

 private:
  std::array<v1::GpSection, 2> s_{};
  int n_ = 0;
};

// Which sections a primary List code qualifies.
Sections SectionsOfList(absl::string_view code) {
  if (code == kListAllergies || code == kListEndedAllergies)
    return {v1::GP_SECTION_ALLERGIES, v1::GP_SECTION_WARNINGS};
  if (code == kListMedications) return {v1::GP_SECTION_MEDICATIONS};
  if (code == kListProblems) return {v1::GP_SECTION_PROBLEMS, v1::GP_SECTION_DIAGNOSES};
  if (code == kListConsultations) return {v1::GP_SECTION_ENCOUNTERS};
  if (code == kListImmunisations) return {v1::GP_SECTION_PROCEDURES};
  if (code == kListUncategorised) return {v1::GP_SECTION_BLOOD_PRESSURE};
  if (code == kListInvestigations) return {v1::GP_SECTION_INVESTIGATIONS};
  if (code == kListReferrals) return {v1::GP_SECTION_REFERRALS};
  return {};
}

// Which sections a request parameter named in an OperationOutcome covers.
Sections SectionsOfParameter(absl::string_view param) {
  size_t dot = param.find('.');
  if (dot != absl::string_view::npos) param = param.substr(0, dot);
  if (param == "includeAllergies") return SectionsOfList(kListAllergies);
  if (param == "includeMedication") return SectionsOfList(kListMedications);
  if (param == "includeProblems") return SectionsOfList(kListProblems);
  if (param == "includeConsultations") return SectionsOfList(kListConsultations);
  if (param == "includeImmunisations") return SectionsOfList(kListImmunisations);
  if (param == "includeUncategorisedData") return SectionsOfList(kListUncategorised);
  if (param == "includeInvestigations") return SectionsOfList(kListInvestigations);
  if (param == "includeReferrals") return SectionsOfList(kListReferrals);
  return {};
}

// ---------------------------------------------------------------------------
// The mapper.

// The Observation ids met under one DiagnosticReport (its results and their
// members), to map each once: a linear scan of a small inline table (a report
// has tens of results), a hash set past kInline. The scan compares each id's
// first 8 bytes (and length) as one word first: ids are mostly UUIDs, which
// differ there.
class SeenIds {
 public:
  void Clear() {
    n_ = 0;
    more_.clear();
  }
  // True when `id` was not seen before (and now is).
  bool Insert(absl::string_view id) {
    if (n_ <= kInline) {
      const uint64_t prefix = Prefix(id);
      for (size_t i = 0; i < n_; ++i) {
        const Seen& seen = seen_[i];
        if (seen.prefix == prefix && Same(absl::string_view(seen.data, seen.size), id))
          return false;
      }
      if (n_ < kInline) {
        seen_[n_++] = {prefix, id.data(), id.size()};
        return true;
      }
      for (const Seen& seen : seen_) more_.insert(absl::string_view(seen.data, seen.size));
      n_ = kInline + 1;  // from now on the set holds them all
    }
    return more_.insert(id).second;
  }

 private:
  static constexpr size_t kInline = 64;
  // The first 8 bytes (fewer when shorter, zero-filled) plus the length.
  static uint64_t Prefix(absl::string_view id) { return FirstBytes(id.data(), id.size()) + id.size(); }
  struct Seen {
    uint64_t prefix;
    const char* data;
    size_t size;
  };
  size_t n_ = 0;
  // Only the first n_ are set (left uninitialised: a call should not pay for
  // clearing the whole table).
  Seen seen_[kInline];
  absl::flat_hash_set<absl::string_view> more_;  // views into the document
};

class Mapper {
 public:
  Mapper(const Index& index, const ParseOptions& options, v1::GpSummary* out)
      : index_(index), options_(options), out_(out) {}

  absl::Status Run() {
    if (absl::Status s = MapDemographics(); !s.ok()) return s;
    if (absl::Status s = MapSectionStatuses(); !s.ok()) return s;
    MapProblems();
    MapMedications();
    MapAllergies();
    MapProcedures();
    MapInvestigations();
    MapBloodPressure();
    MapEncounters();
    MapReferrals();
    FinishSectionStatuses();
    return absl::OkStatus();
  }

 private:
  absl::Status MapDemographics() {
    const auto& patients = index_.OfType("Patient");
    if (patients.empty()) return BundleError("Bundle: no Patient resource");
    if (patients.size() > 1) {
      return BundleError(
          absl::StrCat("Bundle.entry[", patients[1].entry, "]: a second Patient resource"));
    }
    Obj p(patients[0].value);
    v1::Demographics* d = out_->mutable_demographics();
    ForEach(p, "identifier", [&](Json id) {
      if (Str(id, "system") != kNhsNumberSystem || !d->nhs_number().empty()) return;
      SET_NON_EMPTY(d->set_nhs_number, Str(id, "value"));
      if (auto ext = Extension(id, "NHSNumberVerificationStatus-1")) {
        auto cc = Child(*ext, "valueCodeableConcept");
        d->set_nhs_number_verified(cc && HasCode(*cc, "", "01"));
      }
    });
    if (d->nhs_number().empty()) {
      out_->add_mapping_notes("Patient.identifier: no NHS number");
    } else if (!common::IsValidNhsNumber(d->nhs_number())) {
      out_->add_mapping_notes(
          "Patient.identifier: the NHS number fails the Modulus 11 check; kept as "
          "the source sent it");
    }
    std::optional<Json> name;
    ForEach(p, "name", [&](Json n) {
      if (!name || (Str(*name, "use") != "official" && Str(n, "use") == "official")) name = n;
    });
    if (name) {
      ForEach(*name, "given", [&](Json g) {
        std::string_view s;
        if (g.GetString(&s)) d->add_given_names(S(s));
      });
      SET_NON_EMPTY(d->set_family_name, Str(*name, "family"));
      absl::string_view text = Str(*name, "text");
      d->set_display_name(
          text.empty()
              ? absl::StrJoin({absl::StrJoin(d->given_names(), " "), d->family_name()}, " ")
              : S(text));
    }
    SET_NON_EMPTY(d->set_date_of_birth, Str(p, "birthDate"));
    d->set_age_years(AgeYears(d->date_of_birth()));
    absl::string_view gender = Str(p, "gender");
    d->set_gender(gender == "male"      ? v1::ADMINISTRATIVE_GENDER_MALE
                  : gender == "female"  ? v1::ADMINISTRATIVE_GENDER_FEMALE
                  : gender == "other"   ? v1::ADMINISTRATIVE_GENDER_OTHER
                  : gender == "unknown" ? v1::ADMINISTRATIVE_GENDER_UNKNOWN
                                        : v1::ADMINISTRATIVE_GENDER_UNSPECIFIED);
    std::optional<Json> address;
    ForEach(p, "address", [&](Json a) {
      if (!address || (Str(*address, "use") != "home" && Str(a, "use") == "home")) address = a;
    });
    if (address) {
      ForEach(*address, "line", [&](Json l) {
        std::string_view s;
        if (l.GetString(&s)) d->add_address_lines(S(s));
      });
      for (absl::string_view key : {"city", "district"}) {
        absl::string_view v = Str(*address, key);
        if (!v.empty()) d->add_address_lines(S(v));
      }
      SET_NON_EMPTY(d->set_postcode, Str(*address, "postalCode"));
    }
    SET_NON_EMPTY(d->set_date_of_death, Str(p, "deceasedDateTime"));
    ForEach(p, "telecom", [&](Json t) {
      if (d->telephone().empty() && Str(t, "system") == "phone")
        SET_NON_EMPTY(d->set_telephone, Str(t, "value"));
    });
    auto practice = [&](std::optional<Json> org) {
      if (!org || Str(*org, "resourceType") != "Organization") return false;
      ForEach(*org, "identifier", [&](Json id) {
        if (Str(id, "system") == kOdsSystem && d->registered_practice_code().empty())
          SET_NON_EMPTY(d->set_registered_practice_code, Str(id, "value"));
      });
      SET_NON_EMPTY(d->set_registered_practice_name, Str(*org, "name"));
      return true;
    };
    bool found = false;
    ForEach(p, "generalPractitioner", [&](Json ref) {
      if (!found) found = practice(index_.Resolve(Str(ref, "reference")));
    });
    if (!found) practice(index_.ResolveField(p, "managingOrganization"));
    return absl::OkStatus();
  }

  uint32_t AgeYears(const std::string& dob) {
    if (dob.size() < 10) return 0;
    int y, m, dd;
    const absl::string_view d = dob;
    if (!absl::SimpleAtoi(d.substr(0, 4), &y) || !absl::SimpleAtoi(d.substr(5, 2), &m) ||
        !absl::SimpleAtoi(d.substr(8, 2), &dd))
      return 0;
    absl::Time now = options_.now == absl::InfinitePast() ? absl::Now() : options_.now;
    absl::CivilDay today = common::EnglandDay(now);
    int age = static_cast<int>(today.year()) - y;
    if (today.month() < m || (today.month() == m && today.day() < dd)) --age;
    return age > 0 ? static_cast<uint32_t>(age) : 0;
  }

  absl::Status MapSectionStatuses() {
    for (const ListInfo& list : index_.lists()) {
      Sections sections = SectionsOfList(list.code);
      if (sections.empty()) continue;
      // Warning codes, emptyReason and notes.
      absl::InlinedVector<v1::SectionState, 3> states;
      ForEachElement(list.extension, [&](Json x) {
        if (!absl::EndsWith(Str(x, "url"), "ListWarningCode-1")) return;
        absl::string_view code = Str(x, "valueCode");
        if (code == "confidential-items") states.push_back(v1::SECTION_STATE_ITEMS_WITHHELD);
        if (code == "data-in-transit") states.push_back(v1::SECTION_STATE_RECORD_IN_TRANSIT);
        if (code == "data-awaiting-filing")
          states.push_back(v1::SECTION_STATE_DATA_AWAITING_FILING);
      });
      bool has_entries = false;
      int unresolved = 0;
      int item_index = 0;
      absl::Status error;
      ForEachElement(list.entries, [&](Json e) {
        has_entries = true;
        auto item = Child(e, "item");
        absl::string_view ref = Str(item, "reference");
        // An item with only a display (e.g. "Referral items have been
        // disabled") is the provider's placeholder, not a dangling reference.
        if (!ref.empty() && !index_.Resolve(ref)) {
          ++unresolved;
          if (options_.strict_references && error.ok()) {
            error = BundleError(absl::StrCat("Bundle.entry[", list.entry, "] (List ", list.code,
                                             ").entry[", item_index,
                                             "].item: reference does not resolve"));
          }
        }
        ++item_index;
      });
      if (!error.ok()) return error;
      bool empty = list.has_empty_reason || (!has_entries && !list.has_contained);
      for (v1::GpSection section : sections) {
        SectionAccumulator& acc = sections_[section];
        acc.seen_list = true;
        if (!empty) acc.all_empty = false;
        acc.unresolved += unresolved;
        for (auto s : states) acc.AddState(s);
        ForEachElement(list.note, [&](Json n) {
          acc.AddNote(Str(n, "text"));
        });
      }
    }
    // OperationOutcome warnings inside a 200 bundle.
    for (const Resource& oo : index_.OfType("OperationOutcome")) {
      ForEach(oo.value, "issue", [&](Json issue) {
        auto details = Child(issue, "details");
        bool not_implemented = details && HasCode(*details, "", "NOT_IMPLEMENTED");
        if (!not_implemented && Str(issue, "code") != "not-supported") return;
        for (v1::GpSection section : SectionsOfParameter(Str(issue, "diagnostics"))) {
          SectionAccumulator& acc = sections_[section];
          acc.AddState(v1::SECTION_STATE_NOT_SUPPORTED);
          acc.AddNote(Str(details, "text"));
        }
      });
    }
    return absl::OkStatus();
  }

  void FinishSectionStatuses() {
    out_->mutable_section_statuses()->Reserve(v1::GP_SECTION_REFERRALS -
                                              v1::GP_SECTION_DEMOGRAPHICS + 1);
    for (int s = v1::GP_SECTION_DEMOGRAPHICS; s <= v1::GP_SECTION_REFERRALS; ++s) {
      auto section = static_cast<v1::GpSection>(s);
      v1::SectionStatus* status = out_->add_section_statuses();
      status->set_section(section);
      if (section == v1::GP_SECTION_DEMOGRAPHICS) {
        status->add_states(v1::SECTION_STATE_COMPLETE);
        continue;
      }
      SectionAccumulator& acc = sections_[section];
      // GP Connect sends no practice alerts (see v1::Warning).
      if (section == v1::GP_SECTION_WARNINGS) acc.AddState(v1::SECTION_STATE_NOT_SUPPORTED);
      if (!acc.seen_list && std::find(acc.states.begin(), acc.states.end(),
                                      v1::SECTION_STATE_NOT_SUPPORTED) == acc.states.end()) {
        acc.AddState(v1::SECTION_STATE_NOT_SENT);
      }
      if (acc.seen_list && acc.all_empty && section != v1::GP_SECTION_WARNINGS)
        acc.AddState(v1::SECTION_STATE_NOTHING_RECORDED);
      if (acc.unresolved > 0) {
        acc.AddState(v1::SECTION_STATE_ITEMS_UNRESOLVED);
        out_->add_mapping_notes(absl::StrCat(v1::GpSection_Name(section), ": ", acc.unresolved,
                                             " item(s) listed by the source were not in the "
                                             "bundle"));
      }
      if (acc.states.empty()) acc.AddState(v1::SECTION_STATE_COMPLETE);
      status->mutable_states()->Add(acc.states.begin(), acc.states.end());
      for (absl::string_view n : acc.notes) status->add_notes(S(n));
    }
  }

  void MapProblems() {
    const auto& conditions = index_.OfType("Condition");
    out_->mutable_problems()->Reserve(static_cast<int>(conditions.size()));
    for (const Resource& r : conditions) {
      Obj c(r.value);
      // Built in place; copied to diagnoses below when it is one.
      v1::Problem& p = *out_->add_problems();
      SET_NON_EMPTY(p.set_id, Str(c, "id"));
      if (auto code = Child(c, "code")) FillConcept(code, p.mutable_code());
      absl::string_view status = Str(c, "clinicalStatus");
      p.set_status(status == "active" ? v1::CLINICAL_STATUS_ACTIVE
                   : (status == "inactive" || status == "resolved" || status == "remission")
                       ? v1::CLINICAL_STATUS_INACTIVE
                       : v1::CLINICAL_STATUS_UNSPECIFIED);
      SET_NON_EMPTY(p.set_onset_date, DateOf(c, "onsetDateTime", "onsetPeriod"));
      absl::string_view abatement = Str(c, "abatementDateTime");
      SET_NON_EMPTY(p.set_end_date,
                    abatement.empty() ? Str(Child(c, "abatementPeriod"), "end") : abatement);
      SET_NON_EMPTY(p.set_recorded_date, Str(c, "assertedDate"));
      AddNotes(c, p.mutable_notes());
      // The actual problem decides whether the problem is also a diagnosis.
      // One walk of the extensions: significance, actual problem, related
      // clinical content.
      std::optional<Json> significance;
      absl::string_view actual_type;
      ForEach(c, "extension", [&](Json x) {
        absl::string_view url = Str(x, "url");
        if (!significance && absl::EndsWith(url, "ProblemSignificance-1")) significance = x;
        bool actual = absl::EndsWith(url, "ActualProblem-1");
        if (!actual && !absl::EndsWith(url, "RelatedClinicalContent-1")) return;
        auto target = index_.ResolveField(x, "valueReference");
        if (!target) return;
        if (actual) actual_type = Str(*target, "resourceType");
        v1::CodeableConcept* related = p.add_related_codes();
        CodeOfItem(index_, *target, related);
        if (related->codings_size() == 0 && related->text().empty())
          p.mutable_related_codes()->RemoveLast();
      });
      absl::string_view sig = significance ? CodeOfExtension(*significance) : absl::string_view();
      p.set_significance(sig == "major"   ? v1::PROBLEM_SIGNIFICANCE_MAJOR
                         : sig == "minor" ? v1::PROBLEM_SIGNIFICANCE_MINOR
                                          : v1::PROBLEM_SIGNIFICANCE_UNSPECIFIED);
      bool diagnosis =
          actual_type.empty() || actual_type == "Observation" || actual_type == "Condition";
      if (diagnosis) *out_->add_diagnoses() = p;
    }
  }

  void MapMedications() {
    // Issues (intent "order") by the authorisation (intent "plan") they are
    // based on.
    // Per thread and emptied here (as the index's maps are, see Index::Clear):
    // no allocation per bundle for a small table. Keys are views into the
    // document; nothing outlives the call.
    thread_local absl::flat_hash_map<absl::string_view, absl::InlinedVector<Json, 4>>
        issues_by_plan;
    issues_by_plan.clear();
    for (const Resource& r : index_.OfType("MedicationRequest")) {
      // Two fields, in one walk: cheaper than a field table here.
      static constexpr std::array<absl::string_view, 2> kKeys = {"intent", "basedOn"};
      const auto [intent, based_on] = Pick(r.value, kKeys);
      if (StrOf(intent) != "order" || !based_on) continue;
      for (Json ref : based_on->Elements()) {
        if (auto plan = index_.Resolve(Str(ref, "reference")))
          issues_by_plan[Str(*plan, "id")].push_back(r.value);
      }
    }
    const auto& statements = index_.OfType("MedicationStatement");
    out_->mutable_medications()->Reserve(static_cast<int>(statements.size()));
    for (const Resource& r : statements) {
      Obj ms(r.value);
      v1::Medication& m = *out_->add_medications();
      SET_NON_EMPTY(m.set_id, Str(ms, "id"));
      if (auto med = index_.ResolveField(ms, "medicationReference")) {
        if (auto code = Child(*med, "code")) FillConcept(code, m.mutable_medication());
      } else if (auto code = Child(ms, "medicationCodeableConcept")) {
        FillConcept(code, m.mutable_medication());
      }
      absl::string_view status = Str(ms, "status");
      m.set_status(status == "active" || status == "intended" ? v1::MEDICATION_STATUS_CURRENT
                   : status.empty()                           ? v1::MEDICATION_STATUS_UNSPECIFIED
                                                              : v1::MEDICATION_STATUS_PAST);
      if (auto dosage = First(ms, "dosage")) SET_NON_EMPTY(m.set_dosage, Str(*dosage, "text"));
      if (auto period = Child(ms, "effectivePeriod")) {
        const auto [start, end] = Pick(*period, kPeriodKeys);
        SET_NON_EMPTY(m.set_start_date, StrOf(start));
        SET_NON_EMPTY(m.set_end_date, StrOf(end));
      } else {
        SET_NON_EMPTY(m.set_start_date, Str(ms, "effectiveDateTime"));
      }
      // The two extensions read here, found in one walk of the extensions.
      std::optional<Json> last_issue, agency;
      ForEach(ms, "extension", [&](Json x) {
        absl::string_view url = Str(x, "url");
        if (!last_issue && absl::EndsWith(url, "MedicationStatementLastIssueDate-1"))
          last_issue = x;
        if (!agency && absl::EndsWith(url, "PrescribingAgency-1")) agency = x;
      });
      if (last_issue) SET_NON_EMPTY(m.set_last_issue_date, Str(*last_issue, "valueDateTime"));
      if (agency) SET_NON_EMPTY(m.set_prescribing_agency, CodeOfExtension(*agency));
      ForEach(ms, "reasonCode", [&](Json cc) { FillConcept(cc, m.add_reasons()); });
      ForEach(ms, "reasonReference", [&](Json ref) {
        if (auto cond = index_.Resolve(Str(ref, "reference")))
          FillConcept(Child(*cond, "code"), m.add_reasons());
      });
      // The authorisation.
      std::optional<Json> plan_elem;
      ForEach(ms, "basedOn", [&](Json ref) {
        if (!plan_elem) plan_elem = index_.Resolve(Str(ref, "reference"));
      });
      if (!plan_elem) continue;
      Obj plan(*plan_elem);
      std::optional<Json> type_ext, reason;
      ForEach(plan, "extension", [&](Json x) {
        absl::string_view url = Str(x, "url");
        if (!type_ext && absl::EndsWith(url, "PrescriptionType-1")) type_ext = x;
        if (!reason && absl::EndsWith(url, "MedicationStatusReason-1")) reason = x;
      });
      absl::string_view type = type_ext ? CodeOfExtension(*type_ext) : absl::string_view();
      m.set_prescription_type(
          type == "acute"                                 ? v1::PRESCRIPTION_TYPE_ACUTE
          : type == "repeat"                              ? v1::PRESCRIPTION_TYPE_REPEAT
          : type == "repeat-dispensing"                   ? v1::PRESCRIPTION_TYPE_REPEAT_DISPENSING
          : absl::StartsWith(type, "delayed-prescribing") ? v1::PRESCRIPTION_TYPE_ACUTE
                                                          : v1::PRESCRIPTION_TYPE_UNSPECIFIED);
      if (m.dosage().empty()) {
        if (auto di = First(plan, "dosageInstruction"))
          SET_NON_EMPTY(m.set_dosage, Str(*di, "text"));
      }
      auto dispense = Child(plan, "dispenseRequest");
      if (dispense) SET_NON_EMPTY(m.set_quantity, QuantityText(Child(*dispense, "quantity")));
      if (reason) {
        ForEach(*reason, "extension", [&](Json x) {
          static constexpr std::array<absl::string_view, 2> kKeys = {"url",
                                                                     "valueCodeableConcept"};
          const auto [url, cc] = Pick(x, kKeys);
          if (StrOf(url) != "statusReason") return;
          absl::string_view text = Str(cc, "text");
          if (text.empty() && cc) {
            if (auto coding = First(*cc, "coding")) text = Str(*coding, "display");
          }
          SET_NON_EMPTY(m.set_status_reason, text);
        });
      }
      if (m.medication().codings_size() == 0) {
        if (auto med = index_.ResolveField(plan, "medicationReference")) {
          if (auto code = Child(*med, "code")) FillConcept(code, m.mutable_medication());
        }
      }
      auto it = issues_by_plan.find(Str(plan, "id"));
      if (it == issues_by_plan.end()) continue;
      m.mutable_issues()->Reserve(static_cast<int>(it->second.size()));
      for (Json issue_elem : it->second) {
        Obj issue(issue_elem);
        v1::PrescriptionIssue* pi = m.add_issues();
        SET_NON_EMPTY(pi->set_id, Str(issue, "id"));
        std::optional<Json> dr_elem = Child(issue, "dispenseRequest");
        static constexpr std::array<absl::string_view, 2> kKeys = {"validityPeriod", "quantity"};
        const auto [validity, quantity] =
            dr_elem ? Pick(*dr_elem, kKeys) : std::array<std::optional<Json>, 2>();
        absl::string_view issued = Str(validity, "start");
        if (issued.empty()) issued = Str(issue, "authoredOn");
        if (!issued.empty()) pi->set_issue_date(S(issued));
        if (auto di = First(issue, "dosageInstruction"))
          SET_NON_EMPTY(pi->set_dosage, Str(*di, "text"));
        SET_NON_EMPTY(pi->set_quantity, QuantityText(quantity));
        SET_NON_EMPTY(pi->set_status, Str(issue, "status"));
      }
    }
  }

  void MapAllergy(Json a_elem) {
    Obj a(a_elem);
    absl::string_view id = Str(a, "id");
    // TPP may send a resolved allergy both top-level and contained.
    if (!id.empty() && !allergy_ids_.Insert(id)) return;
    v1::Allergy* out = out_->add_allergies();
    SET_NON_EMPTY(out->set_id, id);
    if (auto code = Child(a, "code")) FillConcept(code, out->mutable_code());
    absl::string_view status = Str(a, "clinicalStatus");
    out->set_status(status == "active" ? v1::CLINICAL_STATUS_ACTIVE
                    : (status == "resolved" || status == "inactive")
                        ? v1::CLINICAL_STATUS_INACTIVE
                        : v1::CLINICAL_STATUS_UNSPECIFIED);
    ForEach(a, "category", [&](Json c) {
      std::string_view s;
      if (out->category().empty() && c.GetString(&s)) out->set_category(S(s));
    });
    absl::string_view criticality = Str(a, "criticality");
    SET_NON_EMPTY(out->set_criticality, criticality);
    bool severe = criticality == "high";
    ForEach(a, "reaction", [&](Json re) {
      static constexpr std::array<absl::string_view, 2> kKeys = {"severity", "manifestation"};
      const auto [severity, manifestations] = Pick(re, kKeys);
      if (StrOf(severity) == "severe") severe = true;
      ForEachElement(manifestations, [&](Json cc) { FillConcept(cc, out->add_reactions()); });
    });
    SET_NON_EMPTY(out->set_onset_date, DateOf(a, "onsetDateTime", "onsetPeriod"));
    SET_NON_EMPTY(out->set_asserted_date, Str(a, "assertedDate"));
    if (auto end = Extension(a, "AllergyIntoleranceEnd-1")) {
      ForEach(*end, "extension", [&](Json xe) {
        static constexpr std::array<absl::string_view, 3> kKeys = {"url", "valueDateTime",
                                                                   "valueString"};
        const auto [url_v, date, reason] = Pick(xe, kKeys);
        absl::string_view url = StrOf(url_v);
        if (url == "endDate") SET_NON_EMPTY(out->set_end_date, StrOf(date));
        if (url == "reasonEnded") SET_NON_EMPTY(out->set_end_reason, StrOf(reason));
      });
    }
    AddNotes(a, out->mutable_notes());
    if (severe && out->status() == v1::CLINICAL_STATUS_ACTIVE) {
      v1::Warning* w = out_->add_warnings();
      w->set_id(out->id());
      if (out->has_code()) *w->mutable_code() = out->code();
      w->set_date(out->asserted_date().empty() ? out->onset_date() : out->asserted_date());
      w->set_text(criticality == "high" ? "High-criticality allergy"
                                        : "Allergy with a severe reaction");
    }
  }

  void MapAllergies() {
    for (const Resource& r : index_.OfType("AllergyIntolerance")) MapAllergy(r.value);
    for (const Resource& r : index_.ContainedOfType("AllergyIntolerance")) MapAllergy(r.value);
  }

  void MapProcedures() {
    for (const Resource& r : index_.OfType("Immunization")) {
      Obj im(r.value);
      bool not_given = false;
      auto ng = im.Get("notGiven");
      if (!ng || !ng->GetBool(&not_given)) not_given = false;
      if (not_given) continue;
      v1::Procedure* p = out_->add_procedures();
      SET_NON_EMPTY(p->set_id, Str(im, "id"));
      CodeOfItem(index_, im, p->mutable_code());
      SET_NON_EMPTY(p->set_date, Str(im, "date"));
      SET_NON_EMPTY(p->set_status, Str(im, "status"));
      AddNotes(im, p->mutable_notes());
    }
  }

  void AddResult(Json obs_elem, v1::Investigation* inv, int depth, SeenIds* seen) {
    Obj obs(obs_elem);
    absl::string_view id = Str(obs, "id");
    if (depth > 8 || !seen->Insert(id)) return;
    auto code = Child(obs, "code");
    if (code && HasCode(*code, kSnomed, kCommentNote)) {
      absl::string_view c = Str(obs, "comment");
      if (!c.empty()) inv->add_comments(S(c));
      return;
    }
    // A test group: its members are the results.
    bool group = false;
    ForEach(obs, "related", [&](Json rel_elem) {
      static constexpr std::array<absl::string_view, 2> kKeys = {"type", "target"};
      const auto [type, target] = Pick(rel_elem, kKeys);
      if (StrOf(type) != "has-member") return;
      group = true;
      if (!target) return;
      if (auto member = index_.Resolve(Str(*target, "reference")))
        AddResult(*member, inv, depth + 1, seen);
    });
    auto value_quantity = Child(obs, "valueQuantity");
    auto value_string = Child(obs, "valueString");
    auto value_concept = Child(obs, "valueCodeableConcept");
    bool has_value = value_quantity || value_string || value_concept;
    if (group && !has_value) return;
    v1::InvestigationResult* res = inv->add_results();
    SET_NON_EMPTY(res->set_id, id);
    if (code) FillConcept(code, res->mutable_code());
    SET_NON_EMPTY(res->set_effective_date, DateOf(obs, "effectiveDateTime", "effectivePeriod"));
    std::string_view value_text;
    if (value_quantity) {
      static constexpr std::array<absl::string_view, 4> kKeys = {"value", "unit", "code",
                                                                 "comparator"};
      const auto [value, unit_v, code_v, comparator] = Pick(*value_quantity, kKeys);
      v1::Quantity* out = res->mutable_quantity();
      out->set_value((value ? NumberOf(*value) : std::nullopt).value_or(0));
      absl::string_view unit = StrOf(unit_v);
      SET_NON_EMPTY(out->set_unit, unit.empty() ? StrOf(code_v) : unit);
      SET_NON_EMPTY(out->set_comparator, StrOf(comparator));
    } else if (value_string && value_string->GetString(&value_text) && !value_text.empty()) {
      res->set_text(S(value_text));
    } else if (value_concept) {
      static constexpr std::array<absl::string_view, 2> kKeys = {"text", "coding"};
      const auto [text_v, codings] = Pick(*value_concept, kKeys);
      absl::string_view text = StrOf(text_v);
      if (text.empty() && codings) {
        for (Json coding : codings->Elements()) {
          text = Str(coding, "display");
          break;
        }
      }
      SET_NON_EMPTY(res->set_text, text);
    }
    if (auto range_elem = First(obs, "referenceRange")) {
      static constexpr std::array<absl::string_view, 3> kKeys = {"text", "low", "high"};
      const auto [text_v, low, high] = Pick(*range_elem, kKeys);
      absl::string_view text = StrOf(text_v);
      if (!text.empty()) {
        SET_NON_EMPTY(res->set_reference_range, text);
      } else {
        // "low - high", built in one string; nothing when both are empty.
        constexpr absl::string_view kDash = " - ";
        std::string low_high;
        AppendQuantityText(low, &low_high);
        const bool has_low = !low_high.empty();
        low_high.append(kDash.data(), kDash.size());
        AppendQuantityText(high, &low_high);
        if (has_low || low_high.size() > kDash.size())
          res->set_reference_range(std::move(low_high));
      }
    }
    if (auto interpretation = Child(obs, "interpretation"))
      FillConcept(interpretation, res->mutable_interpretation());
    absl::string_view comment = Str(obs, "comment");
    if (!comment.empty()) res->add_comments(S(comment));
    SET_NON_EMPTY(res->set_status, Str(obs, "status"));
  }

  void MapInvestigations() {
    const auto& reports = index_.OfType("DiagnosticReport");
    out_->mutable_investigations()->Reserve(static_cast<int>(reports.size()));
    SeenIds seen;
    for (const Resource& r : reports) {
      Obj dr(r.value);
      v1::Investigation* inv = out_->add_investigations();
      SET_NON_EMPTY(inv->set_id, Str(dr, "id"));
      if (auto code = Child(dr, "code")) FillConcept(code, inv->mutable_code());
      SET_NON_EMPTY(inv->set_issued_date, Str(dr, "issued"));
      SET_NON_EMPTY(inv->set_status, Str(dr, "status"));
      absl::string_view conclusion = Str(dr, "conclusion");
      if (!conclusion.empty()) inv->add_comments(S(conclusion));
      seen.Clear();
      ForEach(dr, "result", [&](Json ref) {
        if (auto obs = index_.Resolve(Str(ref, "reference"))) AddResult(*obs, inv, 0, &seen);
      });
    }
  }

  // Reads one BP component (or has-member Observation) into the reading.
  void BpValue(Json part_elem, v1::BloodPressureReading* bp) {
    static constexpr std::array<absl::string_view, 3> kKeys = {"code", "valueQuantity",
                                                               "dataAbsentReason"};
    const auto [code, q, absent] = Pick(part_elem, kKeys);
    bool systolic = !FindCode(code, kBpSystolic).empty();
    bool diastolic = !FindCode(code, kBpDiastolic).empty();
    if (!systolic && !diastolic) return;
    std::optional<Json> value = q ? q->Field("value") : std::nullopt;
    std::optional<double> v = value ? NumberOf(*value) : std::nullopt;
    if (v) {
      if (systolic)
        bp->set_systolic_mmhg(*v);
      else
        bp->set_diastolic_mmhg(*v);
      return;
    }
    absl::string_view reason = Str(absent, "text");
    if (reason.empty() && absent) {
      if (auto coding = First(*absent, "coding")) {
        reason = Str(*coding, "display");
        if (reason.empty()) reason = Str(*coding, "code");
      }
    }
    std::string text = absl::StrCat(systolic ? "systolic" : "diastolic", ": ",
                                    reason.empty() ? "not recorded" : reason);
    bp->set_missing_component_reason(
        bp->missing_component_reason().empty()
            ? text
            : absl::StrCat(bp->missing_component_reason(), "; ", text));
  }

  void MapBloodPressure() {
    for (const TypedResource& r : index_.OfType("Observation")) {
      // Most Observations are not blood pressure: their code (read by the
      // index) decides.
      const std::optional<Json>& code = r.code;
      absl::string_view panel = FindCode(code, kBpPanels);
      if (panel.empty()) continue;
      Obj obs(r.value);
      v1::BloodPressureReading* bp = out_->add_blood_pressure_readings();
      SET_NON_EMPTY(bp->set_id, Str(obs, "id"));
      SET_NON_EMPTY(bp->set_date, DateOf(obs, "effectiveDateTime", "effectivePeriod"));
      ForEach(*code, "coding", [&](Json ce) {
        static constexpr std::array<absl::string_view, 3> kKeys = {"code", "system", "display"};
        const auto [code_v, system, display] = Pick(ce, kKeys);
        if (StrOf(code_v) == panel) {
          SET_NON_EMPTY(bp->mutable_panel()->set_system, StrOf(system));
          SET_NON_EMPTY(bp->mutable_panel()->set_code, panel);
          SET_NON_EMPTY(bp->mutable_panel()->set_display, StrOf(display));
        }
      });
      ForEach(obs, "component", [&](Json comp) { BpValue(comp, bp); });
      // Readings that are not a defined triple: separate Observations linked
      // by has-member.
      ForEach(obs, "related", [&](Json rel_elem) {
        static constexpr std::array<absl::string_view, 2> kKeys = {"type", "target"};
        const auto [type, target] = Pick(rel_elem, kKeys);
        if (StrOf(type) != "has-member") return;
        if (auto member = index_.Resolve(Str(target, "reference"))) BpValue(*member, bp);
      });
      if (!bp->has_systolic_mmhg() &&
          bp->missing_component_reason().find("systolic") == std::string::npos) {
        bp->set_missing_component_reason(absl::StrCat(
            bp->missing_component_reason(), bp->missing_component_reason().empty() ? "" : "; ",
            "systolic: not recorded"));
      }
      if (!bp->has_diastolic_mmhg() &&
          bp->missing_component_reason().find("diastolic") == std::string::npos) {
        bp->set_missing_component_reason(absl::StrCat(
            bp->missing_component_reason(), bp->missing_component_reason().empty() ? "" : "; ",
            "diastolic: not recorded"));
      }
    }
  }

  void MapEncounters() {
    // Consultation topics by the id of the encounter they reference (a topic
    // matches only the exact reference "Encounter/<id>"). Keys are views into
    // the document.
    constexpr absl::string_view kEncounterPrefix = "Encounter/";
    absl::flat_hash_map<absl::string_view, absl::InlinedVector<const ListInfo*, 2>> topics;
    for (const ListInfo& list : index_.lists()) {
      if (list.code != kListTopic) continue;
      absl::string_view ref = list.encounter_ref;
      if (absl::StartsWith(ref, kEncounterPrefix))
        topics[ref.substr(kEncounterPrefix.size())].push_back(&list);
    }
    const auto& encounters = index_.OfType("Encounter");
    out_->mutable_encounters()->Reserve(static_cast<int>(encounters.size()));
    for (const Resource& r : encounters) {
      Obj e(r.value);
      v1::Encounter* out = out_->add_encounters();
      absl::string_view id = Str(e, "id");
      SET_NON_EMPTY(out->set_id, id);
      auto type = First(e, "type");
      if (type) FillConcept(type, out->mutable_type());
      bool admission = !FindCode(type, kAdmissionTypeCodes).empty();
      if (auto cls = Child(e, "class")) {
        if (OneOf(Str(*cls, "code"), kAdmissionClassCodes)) admission = true;
      }
      out->set_kind(admission ? v1::ENCOUNTER_KIND_ADMISSION : v1::ENCOUNTER_KIND_CONSULTATION);
      if (auto period = Child(e, "period")) {
        const auto [start, end] = Pick(*period, kPeriodKeys);
        SET_NON_EMPTY(out->set_start_date, StrOf(start));
        SET_NON_EMPTY(out->set_end_date, StrOf(end));
      }
      ForEach(e, "participant", [&](Json part_elem) {
        if (!out->practitioner().empty()) return;
        Obj part(part_elem);
        bool primary = false;
        ForEach(part, "type", [&](Json t) {
          if (!primary && HasCode(t, "", "PPRF")) primary = true;
        });
        if (primary)
          SET_NON_EMPTY(out->set_practitioner, NameOf(index_, Child(part, "individual")));
      });
      if (auto loc = First(e, "location"))
        SET_NON_EMPTY(out->set_location, NameOf(index_, Child(*loc, "location")));
      SET_NON_EMPTY(out->set_status, Str(e, "status"));
      if (topics.empty()) continue;
      auto it = topics.find(id);
      if (it == topics.end()) continue;
      for (const ListInfo* topic : it->second) {
        v1::CodeableConcept* cc = out->add_topics();
        if (auto ext = FindExtension(topic->extension, "RelatedProblemHeader-1")) {
          ForEach(*ext, "extension", [&](Json xe) {
            Obj x(xe);
            if (Str(x, "url") != "target") return;
            if (auto cond = index_.ResolveField(x, "valueReference"))
              FillConcept(Child(*cond, "code"), cc);
          });
        }
        if (!topic->title.empty()) SET_NON_EMPTY(cc->set_text, topic->title);
      }
    }
  }

  void MapReferrals() {
    const auto& referrals = index_.OfType("ReferralRequest");
    out_->mutable_referrals()->Reserve(static_cast<int>(referrals.size()));
    for (const Resource& r : referrals) {
      Obj rr(r.value);
      v1::Referral* out = out_->add_referrals();
      SET_NON_EMPTY(out->set_id, Str(rr, "id"));
      SET_NON_EMPTY(out->set_date, Str(rr, "authoredOn"));
      SET_NON_EMPTY(out->set_status, Str(rr, "status"));
      SET_NON_EMPTY(out->set_priority, Str(rr, "priority"));
      if (auto specialty = Child(rr, "specialty"))
        FillConcept(specialty, out->mutable_specialty());
      ForEach(rr, "reasonCode", [&](Json cc) { FillConcept(cc, out->add_reasons()); });
      if (auto rec = First(rr, "recipient")) SET_NON_EMPTY(out->set_recipient, NameOf(index_, rec));
      SET_NON_EMPTY(out->set_description, Str(rr, "description"));
    }
  }

  const Index& index_;
  const ParseOptions& options_;
  v1::GpSummary* out_;
  // By GpSection value.
  std::array<SectionAccumulator, v1::GpSection_MAX + 1> sections_;
  SeenIds allergy_ids_;  // no heap allocation for the few allergies of most bundles
};

}  // namespace

namespace {

absl::Status ParseInto(absl::string_view json, const ParseOptions& options, v1::GpSummary* out,
                       ParseReport* report) {
  if (json.size() > options.max_bytes) {
    return BundleError(absl::StrCat("bundle: ", json.size(), " bytes exceeds the limit of ",
                                    options.max_bytes, " bytes"));
  }
  // One parser per thread, reused: its buffers grow to the largest bundle
  // seen (at most max_bytes), which saves an allocation and page faults on
  // every call. Nothing parsed outlives this call.
  thread_local simdjson::dom::parser parser;
  if (parser.capacity() < json.size() || parser.max_depth() != options.max_depth) {
    if (parser.allocate(std::max<size_t>(json.size(), 64 * 1024), options.max_depth) !=
        simdjson::SUCCESS) {
      return BundleError("bundle: cannot allocate the parser");
    }
  }
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: parse in place
  // when the caller's buffer has them, else from a per-thread padded copy
  // (reused, so no allocation per call).
  static_assert(kInputPadding >= simdjson::SIMDJSON_PADDING);
  const char* input = json.data();
  if (options.readable_padding < kInputPadding) {
    thread_local std::string padded;
    if (padded.size() < json.size() + simdjson::SIMDJSON_PADDING)
      padded.resize(json.size() + simdjson::SIMDJSON_PADDING);
    std::copy(json.begin(), json.end(), padded.begin());
    std::fill_n(padded.begin() + json.size(), simdjson::SIMDJSON_PADDING, '\0');
    input = padded.data();
  }
  simdjson::error_code err = parser.parse(input, json.size(), false).error();
  if (err == simdjson::DEPTH_ERROR) {
    return BundleError(
        absl::StrCat("bundle: JSON nests deeper than the limit of ", options.max_depth));
  }
  if (err != simdjson::SUCCESS) {
    return BundleError(
        absl::StrCat("bundle: not valid JSON (", A(simdjson::error_message(err)), ")"));
  }
  // The mapper reads the parsed document's tape directly (see Json). The
  // per-thread index keeps values pointing at `tape` only until the next
  // call clears it.
  const Tape tape{parser.doc.tape.get(), parser.doc.string_buf.get()};
  const Json root(&tape);
  if (!root.IsObject()) return BundleError("bundle: the JSON is not an object");
  if (Str(root, "resourceType") != "Bundle") {
    return BundleError("bundle: resourceType is not \"Bundle\"");
  }
  std::optional<Json> entries = root.Field("entry");
  if (!entries || !entries->IsArray()) {
    return BundleError("Bundle.entry: missing or not an array");
  }
  thread_local Index index;
  index.Clear();
  index.Reserve(entries->Size());
  int i = 0;
  for (Json entry : entries->Elements()) {
    std::optional<Json> resource_field = entry.Field("resource");
    if (!resource_field || !resource_field->IsObject()) {
      return BundleError(absl::StrCat("Bundle.entry[", i, "]: no resource object"));
    }
    const Json resource = *resource_field;
    const ResourceHead head = ReadHead(resource);
    if (head.type.empty()) {
      return BundleError(absl::StrCat("Bundle.entry[", i, "].resource: no resourceType"));
    }
    if (absl::Status s = index.Add(i, resource, head); !s.ok()) return s;
    ++i;
  }
  absl::string_view last_updated = Str(Child(root, "meta"), "lastUpdated");
  if (!last_updated.empty()) {
    SET_NON_EMPTY(out->set_record_date, last_updated);
  } else {
    for (const ListInfo& list : index.lists()) {
      if (SectionsOfList(list.code).empty()) continue;
      if (!list.date.empty()) {
        SET_NON_EMPTY(out->set_record_date, list.date);
        break;
      }
    }
  }
  Mapper mapper(index, options, out);
  if (absl::Status s = mapper.Run(); !s.ok()) return s;
  if (report != nullptr) {
    report->bundle_id = S(Str(root, "id"));
    report->entries = i;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ParseStructuredRecordInto(absl::string_view json, const ParseOptions& options,
                                       v1::GpSummary* out, ParseReport* report) {
  out->Clear();
  absl::Status s = ParseInto(json, options, out, report);
  if (!s.ok()) out->Clear();  // nothing partial is kept
  return s;
}

absl::StatusOr<v1::GpSummary> ParseStructuredRecord(absl::string_view json,
                                                    const ParseOptions& options,
                                                    ParseReport* report) {
  v1::GpSummary summary;
  absl::Status s = ParseInto(json, options, &summary, report);
  if (!s.ok()) return s;
  return summary;
}

void MergeProblemsCallInto(v1::GpSummary* problems_call, v1::GpSummary* main_call) {
  main_call->mutable_problems()->Swap(problems_call->mutable_problems());
  main_call->mutable_diagnoses()->Swap(problems_call->mutable_diagnoses());
  main_call->mutable_encounters()->Swap(problems_call->mutable_encounters());
  for (v1::SectionStatus& status : *main_call->mutable_section_statuses()) {
    if (status.section() != v1::GP_SECTION_PROBLEMS &&
        status.section() != v1::GP_SECTION_DIAGNOSES &&
        status.section() != v1::GP_SECTION_ENCOUNTERS)
      continue;
    for (const v1::SectionStatus& other : problems_call->section_statuses()) {
      if (other.section() == status.section()) status = other;
    }
  }
  for (const std::string& note : problems_call->mapping_notes()) {
    if (std::find(main_call->mapping_notes().begin(), main_call->mapping_notes().end(), note) ==
        main_call->mapping_notes().end())
      main_call->add_mapping_notes(note);
  }
}

v1::GpSummary MergeSummaries(v1::GpSummary main_call, const v1::GpSummary& problems_call) {
  v1::GpSummary problems = problems_call;
  MergeProblemsCallInto(&problems, &main_call);
  return main_call;
}

#undef SET_NON_EMPTY

}  // namespace caregate::adapters::gpconnect
