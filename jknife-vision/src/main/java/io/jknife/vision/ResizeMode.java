package io.jknife.vision;

/** How a processor config sizes an image before the vision tower. */
public enum ResizeMode {
    /** To exactly {@code height x width}, aspect ratio not kept (SigLIP, Gemma 3). */
    EXACT,
    /** The shorter side to {@code edge}, aspect ratio kept, usually followed by a center crop (CLIP, LLaVA). */
    SHORTEST_EDGE,
    /** The longer side to {@code edge}, aspect ratio kept (Idefics3, SmolVLM; then tiles of {@code maxImageEdge}). */
    LONGEST_EDGE
}
