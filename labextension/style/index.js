/* The builder exposes this module as the extension style. */
import "./index.css";
