#include "game_view.h"

#include <QKeyEvent>
#include <QPainter>

namespace coinrun::viewer {
namespace {

// §10.9: the original's window is 800 x 800.
constexpr int kDefaultSide = 800;
// §10.9: F5-F8 set the target zoom to 1, 2, 3 and 5.
constexpr float kZoomTargets[] = {1.0f, 2.0f, 3.0f, 5.0f};
// Corner text: a fraction of the picture height, so it reads at any window size.
constexpr double kCornerTextScale = 0.035;
constexpr int kCornerTextMinPx = 9;

}  // namespace

GameView::GameView(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  setAttribute(Qt::WA_OpaquePaintEvent);
  setMinimumSize(64, 64);
}

QSize GameView::sizeHint() const { return {kDefaultSide, kDefaultSide}; }

int GameView::render_side() const { return std::max(16, std::min(width(), height())); }

void GameView::set_frame(QImage frame, QString corner_text) {
  frame_ = std::move(frame);
  corner_text_ = std::move(corner_text);
  update();
}

void GameView::paint(QPainter& p, QSize size) const {
  p.fillRect(QRect(QPoint(0, 0), size), Qt::black);
  if (frame_.isNull()) return;
  // Square picture, centred; letterboxed if the widget is not square.
  const int side = std::min(size.width(), size.height());
  const QRect target((size.width() - side) / 2, (size.height() - side) / 2, side, side);
  // The 64 x 64 agent view is enlarged with nearest-neighbour so its pixels stay visible.
  p.setRenderHint(QPainter::SmoothPixmapTransform, frame_.width() >= side / 2);
  p.drawImage(target, frame_);
  if (!corner_text_.isEmpty()) {
    QFont f = p.font();
    f.setPixelSize(std::max(kCornerTextMinPx, static_cast<int>(side * kCornerTextScale)));
    p.setFont(f);
    const QRect box = target.adjusted(0, side / 100, -side / 100, 0);
    p.setPen(Qt::black);
    p.drawText(box.translated(1, 1), Qt::AlignTop | Qt::AlignRight, corner_text_);
    p.setPen(Qt::white);
    p.drawText(box, Qt::AlignTop | Qt::AlignRight, corner_text_);
  }
}

QImage GameView::compose(QSize size) const {
  QImage out(size, QImage::Format_RGB888);
  QPainter p(&out);
  paint(p, size);
  p.end();
  return out;
}

void GameView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  paint(p, size());
}

bool GameView::set_arrow(int key, bool down) {
  bool* held = nullptr;
  bool* tapped = nullptr;
  switch (key) {
    case Qt::Key_Left: held = &held_.left; tapped = &tapped_.left; break;
    case Qt::Key_Right: held = &held_.right; tapped = &tapped_.right; break;
    case Qt::Key_Up: held = &held_.up; tapped = &tapped_.up; break;
    case Qt::Key_Down: held = &held_.down; tapped = &tapped_.down; break;
    default: return false;
  }
  *held = down;
  if (down) *tapped = true;
  return true;
}

int GameView::take_action() {
  ArrowKeys k;
  k.left = held_.left || tapped_.left;
  k.right = held_.right || tapped_.right;
  k.up = held_.up || tapped_.up;
  k.down = held_.down || tapped_.down;
  tapped_ = ArrowKeys{};
  return action_for_keys(k);
}

void GameView::keyPressEvent(QKeyEvent* e) {
  if (e->isAutoRepeat()) return;
  if (set_arrow(e->key(), true)) return;
  switch (e->key()) {
    case Qt::Key_Return:
    case Qt::Key_Enter: emit end_episode_requested(); return;
    case Qt::Key_F1: emit view_mode_requested(ViewMode::WindowResolution); return;
    case Qt::Key_F2: emit view_mode_requested(ViewMode::AgentView); return;
    case Qt::Key_F5: emit target_zoom_requested(kZoomTargets[0]); return;
    case Qt::Key_F6: emit target_zoom_requested(kZoomTargets[1]); return;
    case Qt::Key_F7: emit target_zoom_requested(kZoomTargets[2]); return;
    case Qt::Key_F8: emit target_zoom_requested(kZoomTargets[3]); return;
    case Qt::Key_R: emit record_toggle_requested(); return;
    default: QWidget::keyPressEvent(e);
  }
}

void GameView::keyReleaseEvent(QKeyEvent* e) {
  if (e->isAutoRepeat()) return;
  if (!set_arrow(e->key(), false)) QWidget::keyReleaseEvent(e);
}

void GameView::focusOutEvent(QFocusEvent* e) {
  // A key released while another window has focus never reaches us; don't keep running.
  held_ = ArrowKeys{};
  QWidget::focusOutEvent(e);
}

}  // namespace coinrun::viewer
