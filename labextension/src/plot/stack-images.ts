/** Loads an image from a data URL. */
function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => resolve(image);
    image.onerror = () => reject(new Error("could not decode a plot image"));
    image.src = url;
  });
}

/**
 * One PNG data URL with the images of `urls` one above the other (left-aligned, as wide as the
 * widest), so that an output holding several plots keeps them all in its single static copy.
 */
export async function stackImages(urls: readonly string[]): Promise<string> {
  const images = await Promise.all(urls.map(loadImage));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, ...images.map((i) => i.naturalWidth));
  canvas.height = Math.max(
    1,
    images.reduce((h, i) => h + i.naturalHeight, 0),
  );
  const context = canvas.getContext("2d");
  if (context === null) throw new Error("no 2-D canvas to combine the plot images");
  let y = 0;
  for (const image of images) {
    context.drawImage(image, 0, y);
    y += image.naturalHeight;
  }
  return canvas.toDataURL("image/png");
}
