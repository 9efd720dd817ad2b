#pragma once
// The widget that shows the game picture and turns keys into actions (docs/rules.md §10.9).
// It only displays images and reports keys; MainWindow decides what is drawn and when the
// game advances. compose() is the single drawing routine behind both paintEvent and
// --screenshot, so a screenshot is exactly what the window shows.
#include <QImage>
#include <QString>
#include <QWidget>

#include "key_map.h"

namespace coinrun::viewer {

enum class ViewMode { WindowResolution, AgentView };  // F1, F2

class GameView : public QWidget {
  Q_OBJECT

 public:
  explicit GameView(QWidget* parent = nullptr);

  // The picture to show: a square frame from the renderer (any size) and the text drawn in
  // the top-right corner (the agent's age, §10.9).
  void set_frame(QImage frame, QString corner_text);
  // What the window shows, drawn at `size` (the frame is scaled to fill it).
  QImage compose(QSize size) const;

  // The action for the arrow keys held now or tapped since the last call (§10.9). A tap
  // shorter than one tick still counts for that tick.
  int take_action();
  // The side of the square that the renderer should draw for this widget in F1 mode.
  int render_side() const;

  QSize sizeHint() const override;

 signals:
  void end_episode_requested();             // Return
  void view_mode_requested(ViewMode mode);  // F1, F2
  void target_zoom_requested(float zoom);   // F5-F8
  void record_toggle_requested();           // R

 protected:
  void paintEvent(QPaintEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void keyReleaseEvent(QKeyEvent* event) override;
  void focusOutEvent(QFocusEvent* event) override;

 private:
  bool set_arrow(int key, bool down);
  void paint(QPainter& p, QSize size) const;

  QImage frame_;
  QString corner_text_;
  ArrowKeys held_;
  ArrowKeys tapped_;  // pressed since the last take_action()
};

}  // namespace coinrun::viewer
