// Error helpers, string list access and schema information for the ORT C
// facade.
#include "ort_internal.h"

namespace ort_detail {

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
  try {
    std::string msg = std::string(prefix) + ": " + err;
    std::snprintf(err, errlen, "%s", msg.c_str());
  } catch (...) {
    // keep the unprefixed message when memory is short
  }
}

}  // namespace ort_detail

using namespace ort_detail;

extern "C" {

int ort_strings_get(const ort_strings *list, size_t index, const char **str, size_t *len, char *err,
                    size_t errlen) {
  if (!list || !str) {
    set_error(err, errlen, "string list or output pointer is NULL");
    return ORT_FB_ERROR;
  }
  auto v = static_cast<const StringVector *>(list->vector);
  if (index >= vsize(v)) {
    set_error(err, errlen, "string index %zu out of range (%zu strings)", index, vsize(v));
    return ORT_FB_ERROR;
  }
  const flatbuffers::String *s = v->Get(static_cast<flatbuffers::uoffset_t>(index));
  *str = s->c_str();
  if (len) *len = s->size();
  return ORT_FB_OK;
}

const char *ort_tensor_data_type_name(int32_t type) {
  if (type < fbs::TensorDataType_MIN || type > fbs::TensorDataType_MAX) return nullptr;
  const char *s = fbs::EnumNameTensorDataType(static_cast<fbs::TensorDataType>(type));
  return (s && *s) ? s : nullptr;
}

const char *ort_attribute_type_name(int32_t type) {
  if (type < fbs::AttributeType_MIN || type > fbs::AttributeType_MAX) return nullptr;
  const char *s = fbs::EnumNameAttributeType(static_cast<fbs::AttributeType>(type));
  return (s && *s) ? s : nullptr;
}

}  // extern "C"
