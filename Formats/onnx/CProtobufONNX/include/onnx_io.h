/*
 * onnx_io.h - small C helpers around the protobuf-c generated ONNX code,
 * shaped so that Swift can call them directly (no macros, no varargs).
 *
 * Memory: messages returned by the unpack functions are owned by protobuf-c
 * and must be released with the matching onnxio_free_* function. Messages
 * built by the caller (initialized with onnxio_init_*) are owned by the
 * caller; the pack functions never free or modify them.
 */
#ifndef ONNX_IO_H
#define ONNX_IO_H

#include <stddef.h>
#include <stdint.h>

#include "onnx.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Decoding ---------------------------------------------------------- */

/* Parses a serialized ModelProto (.onnx file contents); NULL on malformed input. */
Onnx__ModelProto *onnxio_unpack_model(const uint8_t *data, size_t len);

/* Frees a ModelProto returned by onnxio_unpack_model (NULL is ignored). */
void onnxio_free_model(Onnx__ModelProto *m);

/* Parses a serialized TensorProto (.pb tensor file); NULL on malformed input. */
Onnx__TensorProto *onnxio_unpack_tensor(const uint8_t *data, size_t len);

/* Frees a TensorProto returned by onnxio_unpack_tensor (NULL is ignored). */
void onnxio_free_tensor(Onnx__TensorProto *t);

/* Parses a serialized SequenceProto (.pb sequence test value); NULL on malformed input. */
Onnx__SequenceProto *onnxio_unpack_sequence(const uint8_t *data, size_t len);

/* Frees a SequenceProto returned by onnxio_unpack_sequence (NULL is ignored). */
void onnxio_free_sequence(Onnx__SequenceProto *s);

/* Parses a serialized OptionalProto (.pb optional test value); NULL on malformed input. */
Onnx__OptionalProto *onnxio_unpack_optional(const uint8_t *data, size_t len);

/* Frees an OptionalProto returned by onnxio_unpack_optional (NULL is ignored). */
void onnxio_free_optional(Onnx__OptionalProto *o);

/* ---- Encoding ---------------------------------------------------------- */

/* Number of bytes onnxio_pack_model_to_fd will write for this model. */
size_t onnxio_model_packed_size(const Onnx__ModelProto *m);

/* Number of bytes onnxio_pack_tensor_to_fd will write for this tensor. */
size_t onnxio_tensor_packed_size(const Onnx__TensorProto *t);

/* Serializes a model to fd (streamed, no full in-memory copy); 0 on success,
 * -1 on failure with a message (including strerror text) in errbuf. */
int onnxio_pack_model_to_fd(const Onnx__ModelProto *m, int fd,
                            char *errbuf, size_t errlen);

/* Like onnxio_pack_model_to_fd; after each large append that lies inside one of the given
 * read-only file mappings, its pages are dropped (madvise MADV_DONTNEED) to bound memory. */
int onnxio_pack_model_to_fd_releasing(const Onnx__ModelProto *m, int fd,
                                      const uint8_t *const *region_bases,
                                      const size_t *region_sizes, size_t n_regions,
                                      char *errbuf, size_t errlen);

/* Serializes a tensor to fd; same contract as onnxio_pack_model_to_fd. */
int onnxio_pack_tensor_to_fd(const Onnx__TensorProto *t, int fd,
                             char *errbuf, size_t errlen);

/* ---- Initializers (apply the generated *__INIT macro) ------------------ */

/* Initializes an Onnx__ModelProto to its empty default state. */
void onnxio_init_model(Onnx__ModelProto *p);
/* Initializes an Onnx__GraphProto to its empty default state. */
void onnxio_init_graph(Onnx__GraphProto *p);
/* Initializes an Onnx__NodeProto to its empty default state. */
void onnxio_init_node(Onnx__NodeProto *p);
/* Initializes an Onnx__AttributeProto to its empty default state. */
void onnxio_init_attribute(Onnx__AttributeProto *p);
/* Initializes an Onnx__TensorProto to its empty default state. */
void onnxio_init_tensor(Onnx__TensorProto *p);
/* Initializes an Onnx__TensorProto__Segment to its empty default state. */
void onnxio_init_tensor_segment(Onnx__TensorProto__Segment *p);
/* Initializes an Onnx__SparseTensorProto to its empty default state. */
void onnxio_init_sparse_tensor(Onnx__SparseTensorProto *p);
/* Initializes an Onnx__ValueInfoProto to its empty default state. */
void onnxio_init_value_info(Onnx__ValueInfoProto *p);
/* Initializes an Onnx__TypeProto (no oneof case set). */
void onnxio_init_type_proto(Onnx__TypeProto *p);
/* Initializes an Onnx__TypeProto__Tensor to its empty default state. */
void onnxio_init_type_proto_tensor(Onnx__TypeProto__Tensor *p);
/* Initializes an Onnx__TypeProto__Sequence to its empty default state. */
void onnxio_init_type_proto_sequence(Onnx__TypeProto__Sequence *p);
/* Initializes an Onnx__TypeProto__Map to its empty default state. */
void onnxio_init_type_proto_map(Onnx__TypeProto__Map *p);
/* Initializes an Onnx__TypeProto__Optional to its empty default state. */
void onnxio_init_type_proto_optional(Onnx__TypeProto__Optional *p);
/* Initializes an Onnx__TypeProto__SparseTensor to its empty default state. */
void onnxio_init_type_proto_sparse_tensor(Onnx__TypeProto__SparseTensor *p);
/* Initializes an Onnx__TypeProto__Opaque to its empty default state. */
void onnxio_init_type_proto_opaque(Onnx__TypeProto__Opaque *p);
/* Initializes an Onnx__TensorShapeProto to its empty default state. */
void onnxio_init_tensor_shape(Onnx__TensorShapeProto *p);
/* Initializes an Onnx__TensorShapeProto__Dimension (no oneof case set). */
void onnxio_init_dimension(Onnx__TensorShapeProto__Dimension *p);
/* Initializes an Onnx__OperatorSetIdProto to its empty default state. */
void onnxio_init_operator_set_id(Onnx__OperatorSetIdProto *p);
/* Initializes an Onnx__StringStringEntryProto to its empty default state. */
void onnxio_init_string_string_entry(Onnx__StringStringEntryProto *p);
/* Initializes an Onnx__FunctionProto to its empty default state. */
void onnxio_init_function(Onnx__FunctionProto *p);
/* Initializes an Onnx__TrainingInfoProto to its empty default state. */
void onnxio_init_training_info(Onnx__TrainingInfoProto *p);
/* Initializes an Onnx__TensorAnnotation to its empty default state. */
void onnxio_init_tensor_annotation(Onnx__TensorAnnotation *p);
/* Initializes an Onnx__DeviceConfigurationProto to its empty default state. */
void onnxio_init_device_configuration(Onnx__DeviceConfigurationProto *p);
/* Initializes an Onnx__NodeDeviceConfigurationProto to its empty default state. */
void onnxio_init_node_device_configuration(Onnx__NodeDeviceConfigurationProto *p);
/* Initializes an Onnx__ShardingSpecProto to its empty default state. */
void onnxio_init_sharding_spec(Onnx__ShardingSpecProto *p);
/* Initializes an Onnx__ShardedDimProto to its empty default state. */
void onnxio_init_sharded_dim(Onnx__ShardedDimProto *p);
/* Initializes an Onnx__SimpleShardedDimProto (no oneof case set). */
void onnxio_init_simple_sharded_dim(Onnx__SimpleShardedDimProto *p);
/* Initializes an Onnx__IntIntListEntryProto to its empty default state. */
void onnxio_init_int_int_list_entry(Onnx__IntIntListEntryProto *p);

#ifdef __cplusplus
}
#endif

#endif /* ONNX_IO_H */
