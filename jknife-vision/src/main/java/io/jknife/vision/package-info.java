/**
 * Everything a vision model needs before its first layer: image files decoded in Java
 * ({@link io.jknife.vision.ImageLoader}: JPEG, PNG, GIF, WebP, EXIF orientation applied, alpha on
 * white), preprocessing as a Hugging Face processor config says ({@link io.jknife.vision.ImageProcessor}
 * with PIL-exact resampling), EXIF context ({@link io.jknife.vision.ExifReader},
 * {@link io.jknife.vision.PhotoMetadataFormatter}) and chunking of many images
 * ({@link io.jknife.vision.ImageChunker}, {@link io.jknife.vision.ImageArguments}), and the server's
 * {@code data:} URLs ({@link io.jknife.vision.DataUrlImages}).
 */
package io.jknife.vision;
