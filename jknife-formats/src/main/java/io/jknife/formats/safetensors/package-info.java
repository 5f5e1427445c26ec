/**
 * safetensors: {@link io.jknife.formats.safetensors.SafetensorsReader} validates a file's header
 * (never its data) as strictly as the reference implementation, {@link
 * io.jknife.formats.safetensors.SafetensorsIndex} reads a sharded checkpoint's index, and {@link
 * io.jknife.formats.safetensors.SafetensorsWriter} writes files laid out like the reference's.
 */
package io.jknife.formats.safetensors;
