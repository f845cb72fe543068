// Internal C++ declarations shared by the CFlatTFLite sources. Not part of
// the public (C) interface in include/tflite_facade.h.
#ifndef TFLITE_INTERNAL_H
#define TFLITE_INTERNAL_H

// The verifier measures how far the flatbuffer extends (tfl_model_info.
// flatbuffer_size). Must be defined identically in every source file of the
// target before flatbuffers is included, so it lives here.
#ifndef FLATBUFFERS_TRACK_VERIFIER_BUFFER_SIZE
#define FLATBUFFERS_TRACK_VERIFIER_BUFFER_SIZE 1
#endif

#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "include/tflite_facade.h"
#include "schema_generated.h"

namespace tfl_detail {

// Writes a printf-style message into the caller's error buffer.
void set_error(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

// Prefixes the message already in err with "<prefix>: ".
void prefix_error(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

const char *scalar_type_name(int32_t scalar_type);

// tfl_verify; also returns the end of the verified flatbuffer data.
int verify_model(const uint8_t *data, size_t len, size_t *flatbuffer_size, char *err, size_t errlen);

// ---- options tables (generated: tflite_options.cpp) ----

// Schema description of one options field (see tfl_option_field).
struct FieldDesc {
  const char *name;
  int32_t kind;         // TFL_FIELD_*
  int32_t scalar_type;  // TFL_SCALAR_*
  const char *enum_type;
  uint8_t is_subgraph_index;
  int64_t int_default;
  double float_default;
};

struct BuildCtx;

struct OptionsTable {
  const char *name;
  const FieldDesc *fields;
  size_t field_count;
  // Fills values of fields (pre-filled from the descriptors) from a table.
  void (*read)(const void *table, tfl_option_field *fields);
  // Builds the table; slots[i] is the caller's field for descriptor i or NULL.
  bool (*build)(BuildCtx &ctx, const tfl_option_field *const *slots, flatbuffers::Offset<void> *out);
};

// which: 1 = BuiltinOptions, 2 = BuiltinOptions2. NULL for 0 or unknown.
const OptionsTable *options_table(int which, int type);
int options_type_max(int which);

inline void field_from_desc(const FieldDesc &d, tfl_option_field *f) {
  std::memset(f, 0, sizeof(*f));
  f->name = d.name;
  f->kind = d.kind;
  f->scalar_type = d.scalar_type;
  f->enum_type = d.enum_type;
  f->is_subgraph_index = d.is_subgraph_index;
  f->int_value = d.int_default;
  f->float_value = d.float_default;
}

inline const char *enum_name_or_null(const char *s) { return (s && *s) ? s : nullptr; }

// ---- conversions used by the generated option builders ----

struct BuildCtx {
  flatbuffers::FlatBufferBuilder &fbb;
  const char *table;  // options table name, for messages
  char *err;
  size_t errlen;

  BuildCtx(flatbuffers::FlatBufferBuilder &b, const char *table_name, char *e, size_t elen)
      : fbb(b), table(table_name), err(e), errlen(elen) {}

  template <typename T> static bool fits(int64_t v) {
    if (std::is_same<T, bool>::value) return v == 0 || v == 1;
    if (std::is_same<T, uint64_t>::value) return true;  // raw bits
    return v >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
           v <= static_cast<int64_t>(std::numeric_limits<T>::max());
  }

  // Scalar fields: integers (bool/int/enum) from int_value, floats from float_value.
  template <typename T> bool scalar(const tfl_option_field *f, T *out) {
    if (std::is_floating_point<T>::value) {
      if (f->kind == TFL_FIELD_FLOAT) {
        *out = static_cast<T>(f->float_value);
      } else if (f->kind == TFL_FIELD_INT) {
        *out = static_cast<T>(f->int_value);
      } else {
        set_error(err, errlen, "%s field '%s': expected a float value (kind %d)", table, f->name, (int)f->kind);
        return false;
      }
      return true;
    }
    if (f->kind != TFL_FIELD_BOOL && f->kind != TFL_FIELD_INT && f->kind != TFL_FIELD_ENUM) {
      set_error(err, errlen, "%s field '%s': expected an integer, bool or enum value (kind %d)", table, f->name,
                (int)f->kind);
      return false;
    }
    if (!fits<T>(f->int_value)) {
      set_error(err, errlen, "%s field '%s': value %lld out of range", table, f->name, (long long)f->int_value);
      return false;
    }
    *out = static_cast<T>(f->int_value);
    return true;
  }

  template <typename T, typename S> bool convert_elements(const tfl_option_field *f, T *dst) {
    const S *src = static_cast<const S *>(f->vector_data);
    for (size_t i = 0; i < f->vector_count; i++) {
      S s;
      std::memcpy(&s, src + i, sizeof(S));
      if (std::is_floating_point<T>::value) {
        dst[i] = static_cast<T>(s);
        continue;
      }
      if (std::is_floating_point<S>::value) {
        set_error(err, errlen, "%s field '%s': float elements given for an integer vector", table, f->name);
        return false;
      }
      int64_t v = static_cast<int64_t>(s);
      if (std::is_same<S, uint64_t>::value && v < 0 && !std::is_same<T, uint64_t>::value) {
        set_error(err, errlen, "%s field '%s': element %zu out of range", table, f->name, i);
        return false;
      }
      if (!fits<T>(v) || (std::is_same<T, uint8_t>::value && is_bool_ && v > 1)) {
        set_error(err, errlen, "%s field '%s': element %zu (%lld) out of range", table, f->name, i, (long long)v);
        return false;
      }
      dst[i] = static_cast<T>(v);
    }
    return true;
  }

  // Vector fields; T is the schema element type (bool vectors use uint8_t).
  template <typename T>
  bool vector(const tfl_option_field *f, flatbuffers::Offset<flatbuffers::Vector<T>> *out, bool is_bool = false) {
    if (f->kind != TFL_FIELD_VECTOR) {
      set_error(err, errlen, "%s field '%s': expected a vector value (kind %d)", table, f->name, (int)f->kind);
      return false;
    }
    if (f->vector_count > 0 && !f->vector_data) {
      set_error(err, errlen, "%s field '%s': vector_data is NULL", table, f->name);
      return false;
    }
    is_bool_ = is_bool;
    T *dst = nullptr;
    *out = fbb.CreateUninitializedVector<T>(f->vector_count, &dst);
    bool ok = true;
    switch (f->scalar_type) {
      case TFL_SCALAR_BOOL: case TFL_SCALAR_UINT8: ok = convert_elements<T, uint8_t>(f, dst); break;
      case TFL_SCALAR_INT8: ok = convert_elements<T, int8_t>(f, dst); break;
      case TFL_SCALAR_INT16: ok = convert_elements<T, int16_t>(f, dst); break;
      case TFL_SCALAR_UINT16: ok = convert_elements<T, uint16_t>(f, dst); break;
      case TFL_SCALAR_INT32: ok = convert_elements<T, int32_t>(f, dst); break;
      case TFL_SCALAR_UINT32: ok = convert_elements<T, uint32_t>(f, dst); break;
      case TFL_SCALAR_INT64: ok = convert_elements<T, int64_t>(f, dst); break;
      case TFL_SCALAR_UINT64: ok = convert_elements<T, uint64_t>(f, dst); break;
      case TFL_SCALAR_FLOAT32: ok = convert_elements<T, float>(f, dst); break;
      case TFL_SCALAR_FLOAT64: ok = convert_elements<T, double>(f, dst); break;
      default:
        set_error(err, errlen, "%s field '%s': unknown element scalar_type %d", table, f->name, (int)f->scalar_type);
        ok = false;
    }
    return ok;
  }

  bool string(const tfl_option_field *f, flatbuffers::Offset<flatbuffers::String> *out) {
    if (f->kind != TFL_FIELD_STRING) {
      set_error(err, errlen, "%s field '%s': expected a string value (kind %d)", table, f->name, (int)f->kind);
      return false;
    }
    if (f->string_value) {
      *out = fbb.CreateString(f->string_value, f->string_len);
    } else {
      *out = fbb.CreateString("", 0);
    }
    return true;
  }

 private:
  bool is_bool_ = false;
};

}  // namespace tfl_detail

// The opaque model handle of the C interface.
struct tfl_model {
  const uint8_t *data;
  size_t len;
  const tflite::Model *model;
  size_t flatbuffer_size;  // end of the flatbuffer data (verifier extent)
  size_t data_end;         // end of flatbuffer and offset-addressed data; after it: trailing bytes
};

#endif  // TFLITE_INTERNAL_H
