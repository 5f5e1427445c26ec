package io.jknife.vision;

import java.time.LocalDateTime;
import java.util.Optional;

/**
 * What a photo's EXIF says about where, when and with what it was taken. Every field may be absent.
 *
 * @param latitude  decimal degrees, negative south of the equator ({@code 0.0} is a real value)
 * @param longitude decimal degrees, negative west of Greenwich
 * @param taken     capture time: the GPS time stamp (UTC) when present, else {@code DateTimeOriginal}
 *                  (camera local time, no zone)
 * @param make      EXIF {@code Make}, trimmed
 * @param model     EXIF {@code Model}, trimmed; the "camera" shown to users and models
 */
public record PhotoMetadata(Double latitude, Double longitude, LocalDateTime taken, String make, String model) {

    public PhotoMetadata {
        make = blankToNull(make);
        model = blankToNull(model);
    }

    public boolean hasLocation() {
        return latitude != null && longitude != null;
    }

    public boolean isEmpty() {
        return latitude == null && longitude == null && taken == null && model == null && make == null;
    }

    public Optional<String> camera() {
        return Optional.ofNullable(model);
    }

    private static String blankToNull(String s) {
        if (s == null) {
            return null;
        }
        String t = s.strip();
        return t.isEmpty() ? null : t;
    }
}
