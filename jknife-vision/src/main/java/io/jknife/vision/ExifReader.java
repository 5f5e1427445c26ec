package io.jknife.vision;

import com.drew.imaging.ImageMetadataReader;
import com.drew.lang.Rational;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifSubIFDDirectory;
import com.drew.metadata.exif.GpsDirectory;
import java.io.ByteArrayInputStream;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * EXIF of a photo through metadata-extractor, with the reference's rules: GPS from the raw
 * degree/minute/second rationals (not the library's rounded helpers), the date from the GPS stamp
 * first, then {@code DateTimeOriginal}, never {@code DateTime} (tag 306: editors rewrite it).
 * Metadata is context, not input: any failure means "no metadata", silently.
 */
public final class ExifReader {

    private static final DateTimeFormatter EXIF_DATE_TIME = DateTimeFormatter.ofPattern("uuuu:MM:dd HH:mm:ss");
    private static final DateTimeFormatter EXIF_DATE = DateTimeFormatter.ofPattern("uuuu:MM:dd");

    private ExifReader() {
    }

    /** The photo's metadata, empty when it has none or it cannot be read. */
    public static Optional<PhotoMetadata> read(byte[] bytes) {
        try {
            Metadata metadata = ImageMetadataReader.readMetadata(new ByteArrayInputStream(bytes), bytes.length);
            Double lat = null;
            Double lon = null;
            LocalDateTime taken = null;
            GpsDirectory gps = metadata.getFirstDirectoryOfType(GpsDirectory.class);
            if (gps != null) {
                lat = coordinate(gps.getRationalArray(GpsDirectory.TAG_LATITUDE), gps.getString(GpsDirectory.TAG_LATITUDE_REF), "S");
                lon = coordinate(gps.getRationalArray(GpsDirectory.TAG_LONGITUDE), gps.getString(GpsDirectory.TAG_LONGITUDE_REF), "W");
                taken = gpsTime(gps);
            }
            if (taken == null) {
                for (ExifSubIFDDirectory sub : metadata.getDirectoriesOfType(ExifSubIFDDirectory.class)) {
                    taken = parse(sub.getString(ExifSubIFDDirectory.TAG_DATETIME_ORIGINAL));
                    if (taken != null) {
                        break;
                    }
                }
            }
            String make = null;
            String model = null;
            ExifIFD0Directory ifd0 = metadata.getFirstDirectoryOfType(ExifIFD0Directory.class);
            if (ifd0 != null) {
                make = ifd0.getString(ExifIFD0Directory.TAG_MAKE);
                model = ifd0.getString(ExifIFD0Directory.TAG_MODEL);
            }
            PhotoMetadata result = new PhotoMetadata(lat, lon, taken, make, model);
            return result.isEmpty() ? Optional.empty() : Optional.of(result);
        } catch (Exception | StackOverflowError e) {
            return Optional.empty();
        }
    }

    /** Degrees + minutes/60 + seconds/3600, negative for the given hemisphere; anything but 3 parts is absent. */
    static Double coordinate(Rational[] dms, String ref, String negativeRef) {
        if (dms == null || dms.length != 3) {
            return null;
        }
        for (Rational r : dms) {
            if (r.getDenominator() == 0) {
                return null;
            }
        }
        double value = dms[0].doubleValue() + dms[1].doubleValue() / 60.0 + dms[2].doubleValue() / 3600.0;
        if (!Double.isFinite(value)) {
            return null;
        }
        return ref != null && ref.strip().equalsIgnoreCase(negativeRef) ? -value : value;
    }

    private static LocalDateTime gpsTime(GpsDirectory gps) {
        String date = gps.getString(GpsDirectory.TAG_DATE_STAMP);
        Rational[] time = gps.getRationalArray(GpsDirectory.TAG_TIME_STAMP);
        if (date == null || time == null || time.length != 3) {
            return null;
        }
        try {
            LocalDate d = LocalDate.parse(date.strip(), EXIF_DATE);
            // Seconds are truncated to whole seconds, as the original does.
            return d.atTime(LocalTime.of(time[0].intValue(), time[1].intValue(), time[2].intValue()));
        } catch (java.time.DateTimeException | ArithmeticException e) {
            return null;
        }
    }

    private static LocalDateTime parse(String exif) {
        if (exif == null) {
            return null;
        }
        try {
            return LocalDateTime.parse(exif.strip(), EXIF_DATE_TIME);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
