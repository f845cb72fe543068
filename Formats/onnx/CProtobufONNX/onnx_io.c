/*
 * onnx_io.c - see include/onnx_io.h.
 */
#include "onnx_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Small appends are gathered in a staging buffer of this size. */
#define ONNXIO_STAGE_SIZE ((size_t)1 << 20)
/* Appends at least this large bypass the staging buffer. */
#define ONNXIO_DIRECT_MIN ((size_t)64 << 10)

/* A ProtobufCBuffer that streams everything appended to it into a file descriptor. */
typedef struct {
    ProtobufCBuffer base;  /* must be first: protobuf-c only sees this part */
    int fd;
    uint8_t *stage;
    size_t used;
    int error;             /* first errno seen; once set, later appends are dropped */
    const uint8_t *const *region_bases; /* read-only file mappings whose pages may be dropped after writing */
    const size_t *region_sizes;
    size_t n_regions;
} OnnxioFdBuffer;

/* Drops the resident pages of [data, data+len) when it lies inside one of the read-only file
 * mappings: they were only read, so the kernel refetches them from the file if needed again. */
static void onnxio_release_pages(const OnnxioFdBuffer *b, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < b->n_regions; i++) {
        const uint8_t *base = b->region_bases[i];
        if (data < base || data + len > base + b->region_sizes[i])
            continue;
        long page = sysconf(_SC_PAGESIZE);
        uintptr_t start = ((uintptr_t)data + (uintptr_t)page - 1) & ~((uintptr_t)page - 1);
        uintptr_t end = ((uintptr_t)data + len) & ~((uintptr_t)page - 1);
        if (end > start)
            (void)madvise((void *)start, end - start, MADV_DONTNEED);
        return;
    }
}

/* Writes all len bytes to fd, retrying on partial writes and EINTR; 0 or an errno. */
static int onnxio_write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (n == 0)
            return EIO;
        data += (size_t)n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes out and empties the staging buffer. */
static void onnxio_flush(OnnxioFdBuffer *b)
{
    if (b->error == 0 && b->used > 0)
        b->error = onnxio_write_all(b->fd, b->stage, b->used);
    b->used = 0;
}

/* ProtobufCBuffer append callback. */
static void onnxio_fd_append(ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
    OnnxioFdBuffer *b = (OnnxioFdBuffer *)buffer;
    if (b->error != 0 || len == 0)
        return;
    if (len >= ONNXIO_DIRECT_MIN) {
        onnxio_flush(b);
        if (b->error == 0)
            b->error = onnxio_write_all(b->fd, data, len);
        onnxio_release_pages(b, data, len);
        return;
    }
    if (b->used + len > ONNXIO_STAGE_SIZE)
        onnxio_flush(b);
    memcpy(b->stage + b->used, data, len);
    b->used += len;
}

/* Formats "<what>: <strerror(err)>" into errbuf when one was supplied. */
static void onnxio_set_error(char *errbuf, size_t errlen, const char *what, int err)
{
    if (errbuf != NULL && errlen > 0)
        snprintf(errbuf, errlen, "%s: %s", what, strerror(err));
}

/* Streams any generated message to fd. */
static int onnxio_pack_to_fd(const ProtobufCMessage *msg, int fd,
                             const uint8_t *const *region_bases, const size_t *region_sizes,
                             size_t n_regions, char *errbuf, size_t errlen)
{
    OnnxioFdBuffer b;
    memset(&b, 0, sizeof b);
    b.region_bases = region_bases;
    b.region_sizes = region_sizes;
    b.n_regions = n_regions;
    b.base.append = onnxio_fd_append;
    b.fd = fd;
    b.stage = malloc(ONNXIO_STAGE_SIZE);
    if (b.stage == NULL) {
        onnxio_set_error(errbuf, errlen, "cannot allocate write buffer", ENOMEM);
        return -1;
    }
    protobuf_c_message_pack_to_buffer(msg, &b.base);
    onnxio_flush(&b);
    free(b.stage);
    if (b.error != 0) {
        onnxio_set_error(errbuf, errlen, "write failed", b.error);
        errno = b.error;
        return -1;
    }
    return 0;
}

Onnx__ModelProto *onnxio_unpack_model(const uint8_t *data, size_t len)
{
    return onnx__model_proto__unpack(NULL, len, data);
}

void onnxio_free_model(Onnx__ModelProto *m)
{
    if (m != NULL)
        onnx__model_proto__free_unpacked(m, NULL);
}

Onnx__TensorProto *onnxio_unpack_tensor(const uint8_t *data, size_t len)
{
    return onnx__tensor_proto__unpack(NULL, len, data);
}

void onnxio_free_tensor(Onnx__TensorProto *t)
{
    if (t != NULL)
        onnx__tensor_proto__free_unpacked(t, NULL);
}

Onnx__SequenceProto *onnxio_unpack_sequence(const uint8_t *data, size_t len)
{
    return onnx__sequence_proto__unpack(NULL, len, data);
}

void onnxio_free_sequence(Onnx__SequenceProto *s)
{
    if (s != NULL)
        onnx__sequence_proto__free_unpacked(s, NULL);
}

Onnx__OptionalProto *onnxio_unpack_optional(const uint8_t *data, size_t len)
{
    return onnx__optional_proto__unpack(NULL, len, data);
}

void onnxio_free_optional(Onnx__OptionalProto *o)
{
    if (o != NULL)
        onnx__optional_proto__free_unpacked(o, NULL);
}

size_t onnxio_model_packed_size(const Onnx__ModelProto *m)
{
    return onnx__model_proto__get_packed_size(m);
}

size_t onnxio_tensor_packed_size(const Onnx__TensorProto *t)
{
    return onnx__tensor_proto__get_packed_size(t);
}

int onnxio_pack_model_to_fd(const Onnx__ModelProto *m, int fd,
                            char *errbuf, size_t errlen)
{
    return onnxio_pack_to_fd(&m->base, fd, NULL, NULL, 0, errbuf, errlen);
}

int onnxio_pack_tensor_to_fd(const Onnx__TensorProto *t, int fd,
                             char *errbuf, size_t errlen)
{
    return onnxio_pack_to_fd(&t->base, fd, NULL, NULL, 0, errbuf, errlen);
}

/* Defines onnxio_init_<name>(T *p) as *p = <INIT macro>. */
#define ONNXIO_DEFINE_INIT(name, type, init)       \
    void onnxio_init_##name(type *p)               \
    {                                              \
        static const type value = init;            \
        *p = value;                                \
    }

ONNXIO_DEFINE_INIT(model, Onnx__ModelProto, ONNX__MODEL_PROTO__INIT)
ONNXIO_DEFINE_INIT(graph, Onnx__GraphProto, ONNX__GRAPH_PROTO__INIT)
ONNXIO_DEFINE_INIT(node, Onnx__NodeProto, ONNX__NODE_PROTO__INIT)
ONNXIO_DEFINE_INIT(attribute, Onnx__AttributeProto, ONNX__ATTRIBUTE_PROTO__INIT)
ONNXIO_DEFINE_INIT(tensor, Onnx__TensorProto, ONNX__TENSOR_PROTO__INIT)
ONNXIO_DEFINE_INIT(tensor_segment, Onnx__TensorProto__Segment, ONNX__TENSOR_PROTO__SEGMENT__INIT)
ONNXIO_DEFINE_INIT(sparse_tensor, Onnx__SparseTensorProto, ONNX__SPARSE_TENSOR_PROTO__INIT)
ONNXIO_DEFINE_INIT(value_info, Onnx__ValueInfoProto, ONNX__VALUE_INFO_PROTO__INIT)
ONNXIO_DEFINE_INIT(type_proto, Onnx__TypeProto, ONNX__TYPE_PROTO__INIT)
ONNXIO_DEFINE_INIT(type_proto_tensor, Onnx__TypeProto__Tensor, ONNX__TYPE_PROTO__TENSOR__INIT)
ONNXIO_DEFINE_INIT(type_proto_sequence, Onnx__TypeProto__Sequence, ONNX__TYPE_PROTO__SEQUENCE__INIT)
ONNXIO_DEFINE_INIT(type_proto_map, Onnx__TypeProto__Map, ONNX__TYPE_PROTO__MAP__INIT)
ONNXIO_DEFINE_INIT(type_proto_optional, Onnx__TypeProto__Optional, ONNX__TYPE_PROTO__OPTIONAL__INIT)
ONNXIO_DEFINE_INIT(type_proto_sparse_tensor, Onnx__TypeProto__SparseTensor, ONNX__TYPE_PROTO__SPARSE_TENSOR__INIT)
ONNXIO_DEFINE_INIT(type_proto_opaque, Onnx__TypeProto__Opaque, ONNX__TYPE_PROTO__OPAQUE__INIT)
ONNXIO_DEFINE_INIT(tensor_shape, Onnx__TensorShapeProto, ONNX__TENSOR_SHAPE_PROTO__INIT)
ONNXIO_DEFINE_INIT(dimension, Onnx__TensorShapeProto__Dimension, ONNX__TENSOR_SHAPE_PROTO__DIMENSION__INIT)
ONNXIO_DEFINE_INIT(operator_set_id, Onnx__OperatorSetIdProto, ONNX__OPERATOR_SET_ID_PROTO__INIT)
ONNXIO_DEFINE_INIT(string_string_entry, Onnx__StringStringEntryProto, ONNX__STRING_STRING_ENTRY_PROTO__INIT)
ONNXIO_DEFINE_INIT(function, Onnx__FunctionProto, ONNX__FUNCTION_PROTO__INIT)
ONNXIO_DEFINE_INIT(training_info, Onnx__TrainingInfoProto, ONNX__TRAINING_INFO_PROTO__INIT)
ONNXIO_DEFINE_INIT(tensor_annotation, Onnx__TensorAnnotation, ONNX__TENSOR_ANNOTATION__INIT)
ONNXIO_DEFINE_INIT(device_configuration, Onnx__DeviceConfigurationProto, ONNX__DEVICE_CONFIGURATION_PROTO__INIT)
ONNXIO_DEFINE_INIT(node_device_configuration, Onnx__NodeDeviceConfigurationProto, ONNX__NODE_DEVICE_CONFIGURATION_PROTO__INIT)
ONNXIO_DEFINE_INIT(sharding_spec, Onnx__ShardingSpecProto, ONNX__SHARDING_SPEC_PROTO__INIT)
ONNXIO_DEFINE_INIT(sharded_dim, Onnx__ShardedDimProto, ONNX__SHARDED_DIM_PROTO__INIT)
ONNXIO_DEFINE_INIT(simple_sharded_dim, Onnx__SimpleShardedDimProto, ONNX__SIMPLE_SHARDED_DIM_PROTO__INIT)
ONNXIO_DEFINE_INIT(int_int_list_entry, Onnx__IntIntListEntryProto, ONNX__INT_INT_LIST_ENTRY_PROTO__INIT)

int onnxio_pack_model_to_fd_releasing(const Onnx__ModelProto *m, int fd,
                                      const uint8_t *const *region_bases,
                                      const size_t *region_sizes, size_t n_regions,
                                      char *errbuf, size_t errlen)
{
    return onnxio_pack_to_fd(&m->base, fd, region_bases, region_sizes, n_regions, errbuf, errlen);
}
