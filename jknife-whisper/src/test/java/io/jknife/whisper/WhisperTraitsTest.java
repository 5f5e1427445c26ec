package io.jknife.whisper;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a model can do, from its hyper-parameters of real whisper releases. */
class WhisperTraitsTest {
    @Test
    void realModels() {
        WhisperTraits tiny = new WhisperTraits(51865, 4, 4, 80);
        assertTrue(tiny.multilingual() && tiny.timestamps());
        assertNull(tiny.translateRefusal());
        assertEquals(99, tiny.languageCount());

        WhisperTraits tinyEn = new WhisperTraits(51864, 4, 4, 80);
        assertFalse(tinyEn.multilingual());
        assertTrue(tinyEn.translateRefusal().contains("English-only"));
        assertNull(tinyEn.languageRefusal("en"));
        assertTrue(tinyEn.languageRefusal("de").contains("English-only"));

        WhisperTraits largeV3 = new WhisperTraits(51866, 32, 32, 128);
        assertNull(largeV3.translateRefusal());
        assertEquals(100, largeV3.languageCount());
        assertNull(largeV3.languageRefusal("yue"));

        WhisperTraits turbo = new WhisperTraits(51866, 32, 4, 128);
        assertTrue(turbo.turbo());
        assertTrue(turbo.translateRefusal().contains("turbo"), turbo.translateRefusal());
        assertTrue(turbo.timestamps());

        WhisperTraits distilLargeV2 = new WhisperTraits(51865, 32, 2, 80);
        assertFalse(distilLargeV2.timestamps(), "whisper.cpp drops timestamps for 2 decoder layers");
        assertTrue(distilLargeV2.translateRefusal().contains("distilled"));
    }

    @Test
    void languages() {
        WhisperTraits tiny = new WhisperTraits(51865, 4, 4, 80);
        assertNull(tiny.languageRefusal(null));
        assertNull(tiny.languageRefusal("haw"));
        assertTrue(tiny.languageRefusal("yue").contains("unknown language"));
        assertTrue(tiny.languageRefusal("english").contains("unknown language"));
        assertEquals(100, WhisperLanguages.codes(200).size());
    }
}
