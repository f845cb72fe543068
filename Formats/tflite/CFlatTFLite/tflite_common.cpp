// Error helpers and schema information for the TFLite C facade.
#include "tflite_internal.h"

namespace tfl_detail {

void set_error(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

void prefix_error(char *err, size_t errlen, const char *fmt, ...) {
  if (!err || errlen == 0) return;
  char prefix[256];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(prefix, sizeof(prefix), fmt, ap);
  va_end(ap);
  std::string msg = std::string(prefix) + ": " + err;
  std::snprintf(err, errlen, "%s", msg.c_str());
}

const char *scalar_type_name(int32_t scalar_type) {
  switch (scalar_type) {
    case TFL_SCALAR_BOOL: return "bool";
    case TFL_SCALAR_INT8: return "int8";
    case TFL_SCALAR_UINT8: return "uint8";
    case TFL_SCALAR_INT16: return "int16";
    case TFL_SCALAR_UINT16: return "uint16";
    case TFL_SCALAR_INT32: return "int32";
    case TFL_SCALAR_UINT32: return "uint32";
    case TFL_SCALAR_INT64: return "int64";
    case TFL_SCALAR_UINT64: return "uint64";
    case TFL_SCALAR_FLOAT32: return "float32";
    case TFL_SCALAR_FLOAT64: return "float64";
    default: return "unknown";
  }
}

}  // namespace tfl_detail

using namespace tfl_detail;

extern "C" {

const char *tfl_builtin_operator_name(int32_t code) {
  if (code < tflite::BuiltinOperator_MIN || code > tflite::BuiltinOperator_MAX) return nullptr;
  return enum_name_or_null(tflite::EnumNameBuiltinOperator(static_cast<tflite::BuiltinOperator>(code)));
}

const char *tfl_tensor_type_name(int32_t type) {
  if (type < tflite::TensorType_MIN || type > tflite::TensorType_MAX) return nullptr;
  return enum_name_or_null(tflite::EnumNameTensorType(static_cast<tflite::TensorType>(type)));
}

int tfl_options_type_max(int which) { return options_type_max(which); }

const char *tfl_options_type_name(int which, int type) {
  const OptionsTable *t = options_table(which, type);
  return t ? t->name : nullptr;
}

int tfl_options_type_from_name(int which, const char *name) {
  if (!name) return -1;
  int max = options_type_max(which);
  for (int type = 1; type <= max; type++) {
    const OptionsTable *t = options_table(which, type);
    if (t && std::strcmp(t->name, name) == 0) return type;
  }
  return -1;
}

int tfl_options_schema(int which, int type, tfl_option_field *fields, size_t capacity, size_t *count,
                       char *err, size_t errlen) {
  const OptionsTable *t = options_table(which, type);
  if (!t) {
    set_error(err, errlen, "unknown options type %d of union %d", type, which);
    return TFL_ERROR;
  }
  if (count) *count = t->field_count;
  if (!fields) return TFL_OK;
  if (capacity < t->field_count) {
    set_error(err, errlen, "%s has %zu fields, capacity is %zu", t->name, t->field_count, capacity);
    return TFL_ERROR;
  }
  for (size_t i = 0; i < t->field_count; i++) field_from_desc(t->fields[i], &fields[i]);
  return TFL_OK;
}

}  // extern "C"
